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
  const out: string[] = [];
  write(value, indent, 0, out);
  return out.join('');
}

function write(v: Json, indent: number | undefined, depth: number, out: string[]): void {
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v));
    return;
  }
  const isArray = Array.isArray(v);
  const entries: [string | undefined, Json][] = isArray ? (v as readonly Json[]).map((x) => [undefined, x]) : [...(v as JsonObject)];
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    out.push(open + close);
    return;
  }
  const nl = indent === undefined ? '' : '\n' + ' '.repeat(indent * (depth + 1));
  const sep = indent === undefined ? ':' : ': ';
  out.push(open);
  entries.forEach(([k, x], i) => {
    if (i > 0) out.push(',');
    out.push(nl);
    if (k !== undefined) out.push(JSON.stringify(k), sep);
    write(x, indent, depth + 1, out);
  });
  out.push(indent === undefined ? '' : '\n' + ' '.repeat(indent * depth), close);
}

/** A JsonObject from entries, sorted by key with `compare`. */
export function sortedObject(entries: Iterable<readonly [string, Json]>, compare: (a: string, b: string) => number): JsonObject {
  return new Map([...entries].sort((a, b) => compare(a[0], b[0])));
}
