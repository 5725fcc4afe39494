/**
 * A JSON printer whose object key order is exactly the order given. `JSON.stringify`
 * cannot do this: JS objects list integer-like keys ("1", "10") first, numerically, while
 * Nix (nlohmann::json, a std::map) sorts all keys by bytes. Objects are `Map`s here.
 * Layout matches nlohmann's `dump()` (compact) and `dump(2)` (pretty), which is also
 * `JSON.stringify(x, null, 2)`'s layout; strings are escaped by `JSON.stringify`.
 */

export type Json = null | boolean | number | string | readonly Json[] | JsonObject;
export type JsonObject = ReadonlyMap<string, Json>;

/** Print `value`; `indent` spaces per level gives the pretty form, undefined the compact one. */
export function printJson(value: Json, indent?: number): string {
  return write(value, indent === undefined ? undefined : ' '.repeat(indent), '\n');
}

/** `nl` is the newline plus indentation of the current level ('\n' at the top). */
function write(v: Json, unit: string | undefined, nl: string): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = unit === undefined ? '' : nl + unit;
  const end = unit === undefined ? '' : nl;
  let s = '';
  if (Array.isArray(v)) {
    const a = v as readonly Json[];
    if (a.length === 0) return '[]';
    for (let i = 0; i < a.length; i++) s += (i > 0 ? ',' : '') + inner + write(a[i]!, unit, inner);
    return '[' + s + end + ']';
  }
  const o = v as JsonObject;
  if (o.size === 0) return '{}';
  const sep = unit === undefined ? ':' : ': ';
  let first = true;
  for (const [k, x] of o) {
    s += (first ? '' : ',') + inner + JSON.stringify(k) + sep + write(x, unit, inner);
    first = false;
  }
  return '{' + s + end + '}';
}

/** A JsonObject from entries, sorted by key with `compare`. */
export function sortedObject(entries: Iterable<readonly [string, Json]>, compare: (a: string, b: string) => number): JsonObject {
  return new Map([...entries].sort((a, b) => compare(a[0], b[0])));
}
