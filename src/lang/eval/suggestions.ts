/**
 * "Did you mean …" candidates (upstream libutil/suggestions.cc): every known name ranked by
 * Levenshtein distance to the query (ties by name), then the best 5 within distance 2.
 */

export function levenshtein(a: string, b: string): number {
  let v0 = Array.from({ length: b.length + 1 }, (_, i) => i);
  let v1 = new Array<number>(b.length + 1).fill(0);
  for (let i = 0; i < a.length; i++) {
    v1[0] = i + 1;
    for (let j = 0; j < b.length; j++) {
      const del = v0[j + 1]! + 1;
      const ins = v1[j]! + 1;
      const sub = a.charCodeAt(i) === b.charCodeAt(j) ? v0[j]! : v0[j]! + 1;
      v1[j + 1] = Math.min(del, ins, sub);
    }
    [v0, v1] = [v1, v0];
  }
  return v0[b.length]!;
}

/** The suggestions upstream prints for `query` among `names` (trim(5, 2)). */
export function bestMatches(names: Iterable<string>, query: string, limit = 5, maxDistance = 2): string[] {
  const ranked = [...new Set(names)].map((s) => ({ d: levenshtein(query, s), s }));
  ranked.sort((x, y) => x.d - y.d || (x.s < y.s ? -1 : x.s > y.s ? 1 : 0));
  const out: string[] = [];
  for (const r of ranked) {
    if (out.length >= limit || r.d > maxDistance) break;
    out.push(r.s);
  }
  return out;
}

/** `x`, `one of x or z`, `one of a, b or c` (upstream `Suggestions::to_string`). */
export function showSuggestions(s: readonly string[]): string {
  if (s.length === 0) return '';
  if (s.length === 1) return s[0]!;
  return 'one of ' + s.slice(0, -1).join(', ') + ' or ' + s[s.length - 1];
}
