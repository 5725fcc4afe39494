/**
 * When may a pattern run on V8's RegExp instead of the libstdc++-faithful executor?
 *
 * Both are backtracking matchers that try an alternative's left branch first and a greedy
 * repeat's "once more" first, so the first solution they find is the same, except where:
 *
 * 1. a repeated body can match the empty string — JavaScript refuses empty iterations,
 *    libstdc++ allows re-entering a body at the same position once (`(a*)*`);
 * 2. a group sits in an optional part of a body repeated more than once — JavaScript
 *    resets such groups at every iteration, libstdc++ keeps the last value
 *    (`(a|(b))*` on `ba`);
 * 3. in a search (`split`), any alternation — libstdc++ also explores the right branch and
 *   keeps the longer match (`a|ab` finds `ab`). Alternations of single characters with
 *   disjoint sets are safe: at most one branch can match at a position.
 *
 * `regex_match` only keeps the first solution (all solutions end at the end of the
 * subject), so 1 and 2 decide `exact`; `search` also needs 3. Character sets become
 * explicit `\xNN` classes, so bytes mean the same in both.
 */

import type { ByteTable } from './charset.ts';
import type { Node } from './compile.ts';

export interface FastPath {
  /** `^(?:P)$` for builtins.match, or undefined when the executor must run. */
  readonly exact?: RegExp;
  /** `P` with the `g` and `d` flags for the searches of builtins.split. */
  readonly search?: RegExp;
}

export function jsFastPath(ast: Node, groupCount: number): FastPath | undefined {
  if (!loopsSafe(ast)) return undefined;
  const src = toJs(ast);
  let exact: RegExp;
  let search: RegExp | undefined;
  try {
    exact = new RegExp(`^(?:${src})$`);
    if (alternationsSafe(ast)) search = new RegExp(src, 'gd');
  } catch {
    return undefined;
  }
  // Group numbering is by opening parenthesis in both; check nothing drifted.
  if (new RegExp(`${src}|`).exec('')!.length - 1 !== groupCount) return undefined;
  return { exact, search };
}

function nullable(n: Node): boolean {
  switch (n.t) {
    case 'set':
      return false;
    case 'bol':
    case 'eol':
      return true;
    case 'group':
      return nullable(n.body);
    case 'alt':
      return n.branches.some(nullable);
    case 'seq':
      return n.items.every(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.body);
  }
}

function hasGroupIn(n: Node, optional: boolean): boolean {
  switch (n.t) {
    case 'group':
      return optional || hasGroupIn(n.body, optional);
    case 'alt':
      return n.branches.some((b) => hasGroupIn(b, true));
    case 'seq':
      return n.items.some((i) => hasGroupIn(i, optional));
    case 'rep':
      return hasGroupIn(n.body, optional || n.min === 0);
    default:
      return false;
  }
}

/** Rules 1 and 2 for every repeat in the tree. */
function loopsSafe(n: Node): boolean {
  switch (n.t) {
    case 'group':
      return loopsSafe(n.body);
    case 'alt':
      return n.branches.every(loopsSafe);
    case 'seq':
      return n.items.every(loopsSafe);
    case 'rep':
      if (n.max === 0) return true; // the body is never entered
      if (nullable(n.body)) return false;
      if (n.max > 1 && hasGroupIn(n.body, false)) return false;
      return loopsSafe(n.body);
    default:
      return true;
  }
}

/** Rule 3: only alternations of pairwise-disjoint single-character sets. */
function alternationsSafe(n: Node): boolean {
  switch (n.t) {
    case 'group':
      return alternationsSafe(n.body);
    case 'seq':
      return n.items.every(alternationsSafe);
    case 'rep':
      return alternationsSafe(n.body);
    case 'alt': {
      const seen = new Uint8Array(256);
      for (const b of n.branches) {
        if (b.t !== 'set') return false;
        for (let c = 0; c < 256; c++) {
          if (b.table[c] === 1) {
            if (seen[c] === 1) return false;
            seen[c] = 1;
          }
        }
      }
      return true;
    }
    default:
      return true;
  }
}

const hex = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;

function classOf(t: ByteTable): string {
  let count = 0;
  for (let c = 0; c < 256; c++) count += t[c]!;
  if (count === 1) return hex(t.indexOf(1));
  // List the shorter of the members and the non-members, as ranges.
  const neg = count > 128;
  let body = '';
  for (let c = 0; c < 256; c++) {
    if ((t[c] === 1) === neg) continue;
    let d = c;
    while (d + 1 < 256 && (t[d + 1] === 1) !== neg) d++;
    body += d === c ? hex(c) : `${hex(c)}-${hex(d)}`;
    c = d;
  }
  return neg ? `[^${body}]` : `[${body}]`;
}

function toJs(n: Node): string {
  switch (n.t) {
    case 'set':
      return classOf(n.table);
    case 'bol':
      return '^';
    case 'eol':
      return '$';
    case 'group':
      return `(${toJs(n.body)})`;
    case 'alt':
      return `(?:${n.branches.map(toJs).join('|')})`;
    case 'seq':
      return n.items.map(toJs).join('');
    case 'rep': {
      const q =
        n.max === Infinity
          ? n.min === 0
            ? '*'
            : n.min === 1
              ? '+'
              : `{${n.min},}`
          : n.min === 0 && n.max === 1
            ? '?'
            : n.min === n.max
              ? `{${n.min}}`
              : `{${n.min},${n.max}}`;
      return `(?:${toJs(n.body)})${q}`;
    }
  }
}
