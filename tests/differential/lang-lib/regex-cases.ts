/**
 * Regex cases shared by the unit and differential tests: hand-picked patterns for each
 * feature and quirk, subjects that exercise them, and a seeded generator of random
 * patterns over a small alphabet (so the differential test covers combinations nobody
 * thought of, yet stays reproducible).
 */

export const PATTERNS: readonly string[] = [
  // literals, anchors, any
  'abc', '', 'a', '.', '..', '^a', 'a$', '^$', '^', '$', '^a$', 'a^', '$a', 'a.c', '\\.', '\\*', '\\\\', '\\[a\\]',
  '\\(\\)', '\\{', '\\|', '\\^\\$', '\\?\\+', 'a]b', 'a}b', '}', ']',
  // repetition
  'a*', 'a+', 'a?', 'a{2}', 'a{2,}', 'a{1,3}', 'a{0}', 'a{0,0}', 'a{0,1}', 'a{,2}', 'a**', 'a+*', 'a?*', 'a*?',
  'a{2}{3}', '(a{2}){2}', 'x{1}{2}', '(ab)*', '(ab)+c', '(a|b)*', '(a|b)+', '(a*)*', '(a*)+', '(a?)*', '(a*b)*',
  '((a)|b)*', '(a|(b))*', '((a)*b)*', '(a|ab)*c', '(ab|a)*', 'a{2,3}?', '(a{0}){0,3}*', 'a*a', 'a*ab',
  // alternation: POSIX-ish longest across branches
  'a|b', 'a|ab', 'ab|a', '(a|ab)(c|bcd)', '(a|ab)(c|bcd)(d*)', 'x|y|z', '(a|)', '(|a)', 'a|', '|a', '(a|b|)+',
  '(a?)(ab)?', '(a*)(ab)?b?', '(.*)(\\.tar\\.gz|\\.gz)', '([^.]*)\\.(.*)',
  // groups
  '()', '(a)', '(a)(b)', '((a)(b))', '(a)?', '(a)*', '(a)+', '(.*)/(.*)', '((.*)/)?([^/]*)\\.(nix|cc)',
  '(([[:alpha:]]+)-)?([0-9.]+)', '([a-z]+)([0-9]*)',
  // brackets
  '[abc]', '[^abc]', '[a-c]', '[^a-c]+', '[]a]', '[^]a]', '[]-a]', '[a-]', '[-a]', '[--/]', '[a-c-]', '[[:alpha:]]+',
  '[[:digit:][:upper:]]+', '[[:ALPHA:]]', '[[:w:]]+', '[[:d:]]', '[[:s:]]', '[[:space:]]+', '[[:punct:]]', '[[:alnum:]_-]+',
  '[[:xdigit:]]+', '[[:blank:]]', '[[:cntrl:]]', '[[:graph:]]+', '[[:print:]]+', '[[:lower:]]', '[[:upper:]]',
  '[[.a.]]', '[[.space.]]', '[[.hyphen.]a]', '[[=a=]]', '[[=B=]]', '[\\]', '[\\n]', '[a\\-z]', '[.]', '[*+?{}()|^$]',
  '[^\x80-\xff]', '[\x80-\xff]+', '[a[]', '[[]', '[x[:alpha:]]',
  // what Nix's users write
  '[[:alnum:],._+:@%/-]+', '([^-]*)-([0-9].*)', '(.*)-([0-9][^-]*)', '[0-9]+\\.[0-9]+', '.*\\.nix', '(.*)\\.(.*)',
  '/nix/store/([a-z0-9]{32})-(.*)', '[[:space:]]*([^[:space:]]*)[[:space:]]*', '(.*)\n', 'a\nb',
  // invalid
  '*a', 'a|*b', '(', ')', 'a)', '(a', '[a', '[', '[]', '[^]', 'a{1', 'a{1,', 'a{,}', 'a{a}', 'a{2,1}', '\\', 'a\\',
  '\\d', '\\w', '\\s', '\\1', '(a)\\1', '\\n', '\\]', '\\}', '\\-', '[z-a]', '[a-\xff]', '[[:foo:]]', '[[:alpha:]', '[[.ab.]]',
  '[[=ab=]]', '[a-[:digit:]]', '[[:digit:]-z]', '[a-c-e]', '^*', '$*', '(*a)', '(|*)', 'a||*', '{1}', 'a{1}{', 'a{99999}',
  'a{100000}', '(a{1000}){100}', 'a{4294967295}', 'a{2,4294967295}',
];

export const SUBJECTS: readonly string[] = [
  '', 'a', 'b', 'ab', 'aa', 'aaa', 'abc', 'abcd', 'ba', 'aab', 'abab', 'xabc', 'a]b', ']a', 'a-b', '-', 'A',
  'a_1', 'foo.tar.gz', 'foo-1.2.3', 'hello-world-2.0', '/path/to/foobar.nix', 'foobar.cc', '  FOO   ', 'x\ny',
  '\xe9', 'caf\xc3\xa9', 'a.b.c', 'AbC12', '*+?{}', '\t \n', 'aaaaaaaaaab',
  '/nix/store/abcdefghijklmnopqrstuvwxyz012345-hello-2.10',
];

/** A small deterministic PRNG (an LCG), so generated tables are the same on every run. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

/** Random valid-or-not ERE patterns over `a`, `b`, `c`, `.` and the operators. */
export function randomPatterns(seed: number, n: number): string[] {
  const rnd = lcg(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const gen = (d: number): string => {
    const r = rnd();
    if (d > 4 || r < 0.3) return pick(['a', 'b', 'c', '.', '[ab]', '[^a]', '[[:alpha:]]', '^', '$', '\\.', '[]a]', '[a-c]']);
    if (r < 0.5) return gen(d + 1) + gen(d + 1);
    if (r < 0.62) return `${gen(d + 1)}|${gen(d + 1)}`;
    if (r < 0.77) return `(${gen(d + 1)})`;
    // One quantifier per atom: stacked ones (`c*?*?+*`) are exponential in libstdc++, and
    // the curated table covers them on short subjects.
    const inner = gen(d + 1);
    return /[*+?}]$/.test(inner) ? inner : inner + pick(['*', '+', '?', '{2}', '{1,2}', '{0,1}', '{2,}', '{0}']);
  };
  const garbage = (): string => {
    let s = '';
    for (let i = 1 + Math.floor(rnd() * 7); i > 0; i--) s += pick([...'.[]\\()*+?{}|^$ab-,:019=']);
    return s;
  };
  return Array.from({ length: n }, () => (rnd() < 0.1 ? garbage() : gen(0)));
}

/** Random subjects over the pattern alphabet plus a newline and a non-ASCII byte. */
export function randomSubjects(seed: number, n: number): string[] {
  const rnd = lcg(seed);
  return Array.from({ length: n }, () => {
    let s = '';
    for (let i = Math.floor(rnd() * (rnd() < 0.3 ? 14 : 7)); i > 0; i--) s += 'abcab.\n\xe9'[Math.floor(rnd() * 8)];
    return s;
  });
}
