/**
 * libstdc++'s depth-first regex executor (bits/regex_executor.tcc, `_Executor` with
 * `__dfs_mode`, POSIX flavour), run on an explicit stack so deep matches cannot overflow
 * the JavaScript stack. Its search order *is* Nix's matching semantics, which are neither
 * JavaScript's nor POSIX leftmost-longest:
 *
 * - an alternative tries its left branch, then *also* its right one, keeping a solution
 *   only if it ends strictly further than the best so far (`a|ab` finds `ab`);
 * - a greedy repeat tries one more iteration first and skips the "leave" branch once any
 *   solution was found (so `(a?)(ab)?` on `ab` matches just `a`);
 * - a repeat may re-enter its body at the same position once more (`(a*)*` on `""` gives
 *   group 1 = `""`), and captures are never reset between iterations (`(a|(b))*` on
 *   `ba` gives group 2 = `b`).
 *
 * `exact` is `std::regex_match`; otherwise a prefix match from each start position in turn
 * (`std::regex_search`). Positions index the byte string directly.
 */

import {
  type Nfa,
  OP_ACCEPT,
  OP_ALT,
  OP_LINE_BEGIN,
  OP_LINE_END,
  OP_MATCH,
  OP_REPEAT,
  OP_SUB_BEGIN,
  OP_SUB_END,
} from './nfa.ts';

/** `std::regex_constants::match_flag_type` bits the executor honours. */
export interface SearchFlags {
  /** `match_not_null`: an empty match does not count. */
  notNull?: boolean;
  /** `match_continuous`: only a match starting at `begin`. */
  continuous?: boolean;
  /** `match_prev_avail`: `begin` is not the start of the input, so `^` cannot match there. */
  prevAvail?: boolean;
}

/** Group spans of a successful match: `[first, second]` per group, or -1 when unmatched. */
export interface Spans {
  readonly first: Int32Array;
  readonly second: Int32Array;
  readonly matched: Uint8Array;
}

// Stack frames: a kind and up to three arguments.
const F_DFS = 0; // (state, pos)
const F_CAP_FIRST = 1; // (group, old first)
const F_CAP_END = 2; // (group, old second, old matched)
const F_REP_RESTORE = 3; // (state, old position, old count)
const F_REP_DEC = 4; // (state)
const F_REPEAT_NEXT = 5; // (state, pos): leave the repeat unless a solution exists
const F_ALT_RHS = 6; // (state, pos): try the right branch
const F_ALT_MERGE = 7; // (had a solution before the right branch)

export class Executor {
  readonly #nfa: Nfa;
  readonly #s: string;
  readonly #end: number;
  #begin: number;
  readonly #exact: boolean;
  readonly #notNull: boolean;
  #prevAvail: boolean;
  readonly #continuous: boolean;
  #hasSol = false;
  #solPos = -1;
  readonly #cur: Spans;
  readonly #res: Spans;
  readonly #repPos: Int32Array;
  readonly #repCount: Int32Array;
  readonly #stack: number[] = [];

  constructor(nfa: Nfa, s: string, begin: number, exact: boolean, flags: SearchFlags = {}) {
    this.#nfa = nfa;
    this.#s = s;
    this.#begin = begin;
    this.#end = s.length;
    this.#exact = exact;
    this.#notNull = !!flags.notNull;
    this.#prevAvail = !!flags.prevAvail;
    this.#continuous = !!flags.continuous;
    this.#cur = newSpans(nfa.subCount);
    this.#res = newSpans(nfa.subCount);
    this.#repPos = new Int32Array(nfa.op.length).fill(-1);
    this.#repCount = new Int32Array(nfa.op.length);
  }

  /** `regex_match` (exact) or one prefix match at `begin`; the spans on success. */
  matchHere(): Spans | null {
    return this.#main() ? this.#res : null;
  }

  /** `regex_search`: the leftmost start with a match, then that start's match. */
  search(): Spans | null {
    if (this.#main()) return this.#res;
    if (this.#continuous) return null;
    this.#prevAvail = true;
    while (this.#begin < this.#end) {
      this.#begin++;
      if (this.#main()) return this.#res;
    }
    return null;
  }

  #main(): boolean {
    this.#hasSol = false;
    this.#solPos = -1;
    this.#cur.first.set(this.#res.first);
    this.#cur.second.set(this.#res.second);
    this.#cur.matched.set(this.#res.matched);
    this.#run(this.#nfa.start, this.#begin);
    return this.#hasSol;
  }

  #run(state: number, pos: number): void {
    const { op, next, alt, arg, tables } = this.#nfa;
    const s = this.#s;
    const end = this.#end;
    const cur = this.#cur;
    const repPos = this.#repPos;
    const repCount = this.#repCount;
    const st = this.#stack;
    st.push(F_DFS, state, pos, 0);
    while (st.length > 0) {
      const c = st.pop()!;
      const b = st.pop()!;
      const a = st.pop()!;
      const kind = st.pop()!;
      switch (kind) {
        case F_DFS: {
          const i = a;
          const p = b;
          switch (op[i]) {
            case OP_MATCH:
              if (p < end && tables[arg[i]!]![s.charCodeAt(p)] === 1) st.push(F_DFS, next[i]!, p + 1, 0);
              break;
            case OP_REPEAT: // greedy: once more, then leave unless solved
              st.push(F_REPEAT_NEXT, i, p, 0);
              if (repCount[i] === 0 || repPos[i] !== p) {
                st.push(F_REP_RESTORE, i, repPos[i]!, repCount[i]!);
                repPos[i] = p;
                repCount[i] = 1;
                st.push(F_DFS, alt[i]!, p, 0);
              } else if (repCount[i]! < 2) {
                repCount[i]!++;
                st.push(F_REP_DEC, i, 0, 0);
                st.push(F_DFS, alt[i]!, p, 0);
              }
              break;
            case OP_ALT:
              st.push(F_ALT_RHS, i, p, 0);
              st.push(F_DFS, alt[i]!, p, 0);
              break;
            case OP_SUB_BEGIN: {
              const g = arg[i]!;
              st.push(F_CAP_FIRST, g, cur.first[g]!, 0);
              cur.first[g] = p;
              st.push(F_DFS, next[i]!, p, 0);
              break;
            }
            case OP_SUB_END: {
              const g = arg[i]!;
              st.push(F_CAP_END, g, cur.second[g]!, cur.matched[g]!);
              cur.second[g] = p;
              cur.matched[g] = 1;
              st.push(F_DFS, next[i]!, p, 0);
              break;
            }
            case OP_LINE_BEGIN:
              if (p === this.#begin && !this.#prevAvail) st.push(F_DFS, next[i]!, p, 0);
              break;
            case OP_LINE_END:
              if (p === end) st.push(F_DFS, next[i]!, p, 0);
              break;
            case OP_ACCEPT:
              this.#accept(p);
              break;
          }
          break;
        }
        case F_CAP_FIRST:
          cur.first[a] = b;
          break;
        case F_CAP_END:
          cur.second[a] = b;
          cur.matched[a] = c;
          break;
        case F_REP_RESTORE:
          repPos[a] = b;
          repCount[a] = c;
          break;
        case F_REP_DEC:
          repCount[a]!--;
          break;
        case F_REPEAT_NEXT:
          if (!this.#hasSol) st.push(F_DFS, next[a]!, b, 0);
          break;
        case F_ALT_RHS:
          st.push(F_ALT_MERGE, this.#hasSol ? 1 : 0, 0, 0);
          this.#hasSol = false;
          st.push(F_DFS, next[a]!, b, 0);
          break;
        case F_ALT_MERGE:
          if (a === 1) this.#hasSol = true;
          break;
      }
    }
  }

  #accept(p: number): void {
    this.#hasSol = this.#exact ? p === this.#end : true;
    if (p === this.#begin && this.#notNull) this.#hasSol = false;
    if (!this.#hasSol) return;
    // POSIX: keep the solution that ends furthest; the first found on ties.
    if (this.#solPos === -1 || this.#solPos < p) {
      this.#solPos = p;
      this.#res.first.set(this.#cur.first);
      this.#res.second.set(this.#cur.second);
      this.#res.matched.set(this.#cur.matched);
    }
  }
}

function newSpans(n: number): Spans {
  return { first: new Int32Array(n).fill(-1), second: new Int32Array(n).fill(-1), matched: new Uint8Array(n) };
}
