/**
 * `builtins.match` and `builtins.split`: POSIX extended regular expressions with the exact
 * semantics of libstdc++'s `std::regex(…, std::regex::extended)`, which is what Nix uses
 * (upstream primops.cc `prim_match`, `prim_split`, `RegexCache`).
 *
 * Patterns and subjects are byte strings (one JS char per byte). A pattern is compiled
 * once into libstdc++'s NFA (regex/compile.ts) and cached; when its results provably equal
 * a JavaScript RegExp's, that RegExp runs instead (regex/js-fast-path.ts), otherwise the
 * libstdc++-faithful backtracking executor does (regex/exec.ts).
 *
 * `split` follows `std::regex_iterator`: after an empty match it first retries at the same
 * position for a non-empty match anchored there, then moves on one byte.
 */

import { compile } from './regex/compile.ts';
import { NixRegexError, RegexSpaceError, RegexSyntaxError } from './regex/errors.ts';
import { Executor, type SearchFlags, type Spans } from './regex/exec.ts';
import { jsFastPath, type FastPath } from './regex/js-fast-path.ts';
import type { Nfa } from './regex/nfa.ts';

export { NixRegexError } from './regex/errors.ts';

/** One capture group's text, or null when the group did not take part in the match. */
export type Capture = string | null;

/** An element of `builtins.split`'s result: text between matches, or a match's groups. */
export type SplitItem = string | Capture[];

/** A compiled pattern. */
export class NixRegex {
  readonly pattern: string;
  /** Number of capture groups (excluding the whole match). */
  readonly groupCount: number;
  readonly #nfa: Nfa;
  readonly #fast: FastPath | undefined;

  constructor(pattern: string, nfa: Nfa, fast: FastPath | undefined) {
    this.pattern = pattern;
    this.#nfa = nfa;
    this.#fast = fast;
    this.groupCount = nfa.subCount - 1;
  }

  /** `builtins.match`: the groups when the whole of `s` matches, else null. */
  match(s: string): Capture[] | null {
    if (this.#fast?.exact) {
      const m = runJs(this.#fast.exact, s, 0);
      if (m !== undefined) return m === null ? null : groupsOfJs(m, this.groupCount);
    }
    const spans = new Executor(this.#nfa, s, 0, true).matchHere();
    return spans === null ? null : groupsOf(spans, s, this.groupCount);
  }

  /** `builtins.split`: text between matches interleaved with each match's groups. */
  split(s: string): SplitItem[] {
    const out: SplitItem[] = [];
    let flags: SearchFlags = {};
    let m = this.#search(s, 0, flags);
    if (m === null) return [s];
    let prefixStart = 0;
    for (;;) {
      const [mStart, mEnd] = [m.first[0]!, m.second[0]!];
      out.push(s.slice(prefixStart, mStart), groupsOf(m, s, this.groupCount));
      prefixStart = mEnd;
      let start = mEnd;
      if (mStart === mEnd) {
        if (start === s.length) break;
        // std::regex_iterator: a non-empty match anchored at the same position first.
        const retry = new Executor(this.#nfa, s, start, false, { ...flags, notNull: true, continuous: true }).search();
        if (retry !== null) {
          m = copySpans(retry);
          continue;
        }
        start++;
      }
      flags = { prevAvail: true };
      const next = this.#search(s, start, flags);
      if (next === null) break;
      m = next;
    }
    out.push(s.slice(prefixStart));
    return out;
  }

  #search(s: string, start: number, flags: SearchFlags): Spans | null {
    // The RegExp cannot express "^ may match at a later start", so it runs only where
    // `^` cannot match anyway (start 0 without prev_avail, or any later start with it).
    if (this.#fast?.search && (start === 0) !== !!flags.prevAvail) {
      const m = runJs(this.#fast.search, s, start);
      if (m !== undefined) return m === null ? null : spansOfJs(m, this.groupCount);
    }
    const r = new Executor(this.#nfa, s, start, false, flags).search();
    return r === null ? null : copySpans(r);
  }
}

/** Run a global RegExp from `start`; undefined if the engine gave up (stack overflow). */
function runJs(re: RegExp, s: string, start: number): RegExpExecArray | null | undefined {
  re.lastIndex = start;
  try {
    return re.exec(s);
  } catch {
    return undefined;
  }
}

function groupsOf(m: Spans, s: string, n: number): Capture[] {
  const out: Capture[] = new Array(n);
  for (let g = 1; g <= n; g++) out[g - 1] = m.matched[g] ? s.slice(m.first[g], m.second[g]) : null;
  return out;
}

function groupsOfJs(m: RegExpExecArray, n: number): Capture[] {
  const out: Capture[] = new Array(n);
  for (let g = 1; g <= n; g++) out[g - 1] = m[g] ?? null;
  return out;
}

function spansOfJs(m: RegExpExecArray, n: number): Spans {
  const spans: Spans = { first: new Int32Array(n + 1), second: new Int32Array(n + 1), matched: new Uint8Array(n + 1) };
  spans.first[0] = m.index;
  spans.second[0] = m.index + m[0].length;
  spans.matched[0] = 1;
  // Group offsets come from the `d` flag's indices.
  const idx = m.indices!;
  for (let g = 1; g <= n; g++) {
    const span = idx[g];
    if (span) {
      spans.first[g] = span[0];
      spans.second[g] = span[1];
      spans.matched[g] = 1;
    }
  }
  return spans;
}

function copySpans(m: Spans): Spans {
  return { first: m.first.slice(), second: m.second.slice(), matched: m.matched.slice() };
}

const cache = new Map<string, NixRegex | NixRegexError>();
const CACHE_LIMIT = 4096;

/** Compile `pattern` (cached), or throw `NixRegexError` with Nix's message. */
export function compileRegex(pattern: string): NixRegex {
  let r = cache.get(pattern);
  if (r === undefined) {
    try {
      const { nfa, ast } = compile(pattern);
      r = new NixRegex(pattern, nfa, jsFastPath(ast, nfa.subCount - 1));
    } catch (e) {
      if (!(e instanceof RegexSyntaxError || e instanceof RegexSpaceError)) throw e;
      r = new NixRegexError(pattern, e);
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, r);
  }
  if (r instanceof NixRegexError) throw r;
  return r;
}

/** `builtins.match pattern s`. */
export function regexMatch(pattern: string, s: string): Capture[] | null {
  return compileRegex(pattern).match(s);
}

/** `builtins.split pattern s`. */
export function regexSplit(pattern: string, s: string): SplitItem[] {
  return compileRegex(pattern).split(s);
}

/** The same operations on the libstdc++-faithful executor only (no RegExp fast path), for tests. */
export function referenceMatch(pattern: string, s: string): Capture[] | null {
  compileRegex(pattern);
  return new NixRegex(pattern, compile(pattern).nfa, undefined).match(s);
}

export function referenceSplit(pattern: string, s: string): SplitItem[] {
  compileRegex(pattern);
  return new NixRegex(pattern, compile(pattern).nfa, undefined).split(s);
}

/** Whether `pattern` runs on a JavaScript RegExp for `match` and for `split` (for tests and benchmarks). */
export function fastPathKinds(pattern: string): { exact: boolean; search: boolean } {
  const { nfa, ast } = compile(pattern);
  const f = jsFastPath(ast, nfa.subCount - 1);
  return { exact: !!f?.exact, search: !!f?.search };
}
