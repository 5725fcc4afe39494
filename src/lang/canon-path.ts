/**
 * Lexical path canonicalisation as upstream's `CanonPath` does it for path literals
 * (libutil/canon-path.cc, `canonPathInner`): make absolute against a base, drop empty and `.`
 * components, resolve `..` without looking at the filesystem (`/..` stays `/`), no trailing
 * slash except for `/` itself.
 */

export function canonPath(path: string, base = '/'): string {
  const full = path.charCodeAt(0) === 47 ? path : base + '/' + path;
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
