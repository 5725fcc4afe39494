/**
 * Lexical path canonicalisation as upstream's `CanonPath` does it for path literals
 * (libutil/canon-path.cc, `canonPathInner`): make absolute against a base, drop empty and `.`
 * components, resolve `..` without looking at the filesystem (`/..` stays `/`), no trailing
 * slash except for `/` itself. Path literals, path arithmetic and `coerceToPath` all use it.
 */

/** Something to collapse: an empty, `.` or `..` component, or a trailing slash. */
const NOT_CANONICAL = /\/\/|\/\.\.?(?:\/|$)|[^]\/$/;

export function canonPath(path: string, base = '/'): string {
  const full = path.charCodeAt(0) === 47 ? path : base + '/' + path;
  // Most paths are canonical already: return them as they are.
  if (!NOT_CANONICAL.test(full)) return full;
  const out: string[] = [];
  let start = 0;
  const len = full.length;
  while (start <= len) {
    let end = full.indexOf('/', start);
    if (end < 0) end = len;
    const seg = full.slice(start, end);
    if (seg === '..') out.pop();
    else if (seg !== '' && seg !== '.') out.push(seg);
    start = end + 1;
  }
  return '/' + out.join('/');
}
