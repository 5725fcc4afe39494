/**
 * Symbol order: upstream interns names in a global table and keeps attribute sets sorted by
 * symbol id, so a few things happen in *symbol creation order* rather than by name — most
 * visibly which attribute `--strict`/`deepSeq` evaluates (and fails on) first. tix stores
 * sets sorted by name and ranks names here the way upstream numbers them: its static symbols
 * first (`outPath`, `drvPath`, `type`…), then names in the order the evaluator first meets them.
 */

const STATIC = [
  '<with>', 'outPath', 'drvPath', 'type', 'meta', 'name', 'value', 'system', '__overrides', 'outputs', 'outputName',
  '__ignoreNulls', 'file', 'line', 'column', '__functor', '__toString', 'right', 'wrong', '__structuredAttrs', '__json',
  'allowedReferences', 'allowedRequisites', 'disallowedReferences', 'disallowedRequisites', 'maxSize', 'maxClosureSize',
  'builder', 'args', '__contentAddressed', '__impure', 'outputHash', 'outputHashAlgo', 'outputHashMode',
  'recurseForDerivations', 'description', 'self', '', 'startSet', 'operator', 'key', 'path', 'prefix', 'outputSpecified',
  'requiredSystemFeatures', '__sub', '__lessThan', '__mul', '__div', 'or', '__findFile', '__nixPath', 'body',
];

const ranks = new Map<string, number>();
for (const s of STATIC) ranks.set(s, ranks.size);

/** The rank of `name`, interning it now if it is new. */
export function symbolRank(name: string): number {
  let r = ranks.get(name);
  if (r === undefined) ranks.set(name, (r = ranks.size));
  return r;
}

/** Intern names in the order given (the compiler calls this in source order). */
export function internAll(names: Iterable<string>): void {
  for (const n of names) symbolRank(n);
}

/** Indices of `keys` in symbol order. */
export function symbolOrder(keys: readonly string[]): number[] {
  const idx = keys.map((_, i) => i);
  if (keys.length > 1) idx.sort((a, b) => symbolRank(keys[a]!) - symbolRank(keys[b]!));
  return idx;
}
