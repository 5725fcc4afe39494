/**
 * Version strings as Nix sees them: `builtins.splitVersion`, `builtins.compareVersions`
 * and `builtins.parseDrvName` (upstream libstore/names.cc: `nextComponent`,
 * `componentsLT`, `compareVersions`, `DrvName`).
 *
 * A version is a sequence of components separated by any run of `.` and `-`; a component
 * is either a maximal run of ASCII digits or a maximal run of other characters. Components
 * compare as numbers when both parse as a C `int` (so a run of digits beyond 2^31-1 is not
 * a number, as with Nix's `string2Int<int>`), `pre` sorts before everything else, a number
 * sorts after a word (`2.3a` < `2.3.1`), and words compare bytewise. Strings are byte
 * strings (one JS char per byte); only ASCII bytes are digits or letters (C locale).
 */

const INT_MAX = 2147483647;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/**
 * The component of `s` starting at or after `pos` (separators skipped), and the position
 * just after it. The component is `''` at the end of the string.
 */
export function nextComponent(s: string, pos: number): { component: string; end: number } {
  let p = pos;
  while (p < s.length && (s.charCodeAt(p) === 0x2e || s.charCodeAt(p) === 0x2d)) p++;
  if (p >= s.length) return { component: '', end: p };
  const start = p;
  if (isDigit(s.charCodeAt(p))) {
    while (p < s.length && isDigit(s.charCodeAt(p))) p++;
  } else {
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (isDigit(c) || c === 0x2e || c === 0x2d) break;
      p++;
    }
  }
  return { component: s.slice(start, p), end: p };
}

/** A component's value as a C `int`, or undefined (empty, a word, or out of range). */
function componentInt(c: string): number | undefined {
  if (c.length === 0 || !isDigit(c.charCodeAt(0))) return undefined;
  // Components are all digits here; leading zeros are fine, overflow is "not a number".
  const n = Number(c);
  return n <= INT_MAX ? n : undefined;
}

/** Nix's `componentsLT`: is component `c1` older than `c2`? */
export function componentLessThan(c1: string, c2: string): boolean {
  const n1 = componentInt(c1);
  const n2 = componentInt(c2);
  if (n1 !== undefined && n2 !== undefined) return n1 < n2;
  if (c1 === '' && n2 !== undefined) return true;
  if (c1 === 'pre' && c2 !== 'pre') return true;
  if (c2 === 'pre') return false;
  // Assume that `2.3a' < `2.3.1'.
  if (n2 !== undefined) return true;
  if (n1 !== undefined) return false;
  return c1 < c2; // JS compares code units: bytewise for byte strings, like std::string
}

/** `builtins.compareVersions`: -1, 0 or 1. */
export function compareVersions(v1: string, v2: string): -1 | 0 | 1 {
  let p1 = 0;
  let p2 = 0;
  while (p1 < v1.length || p2 < v2.length) {
    const a = nextComponent(v1, p1);
    const b = nextComponent(v2, p2);
    p1 = a.end;
    p2 = b.end;
    if (componentLessThan(a.component, b.component)) return -1;
    if (componentLessThan(b.component, a.component)) return 1;
  }
  return 0;
}

/** `builtins.splitVersion`: the components, stopping at the first empty one (the end). */
export function splitVersion(v: string): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < v.length) {
    const { component, end } = nextComponent(v, p);
    if (component === '') break;
    out.push(component);
    p = end;
  }
  return out;
}

/**
 * `builtins.parseDrvName`: the name is everything before the first dash that is not
 * followed by an ASCII letter, the version everything after that dash.
 */
export function parseDrvName(s: string): { name: string; version: string } {
  for (let i = 0; i + 1 < s.length; i++) {
    if (s.charCodeAt(i) === 0x2d && !isAlpha(s.charCodeAt(i + 1))) {
      return { name: s.slice(0, i), version: s.slice(i + 1) };
    }
  }
  return { name: s, version: '' };
}
