/**
 * The NFA libstdc++ builds for a regex (bits/regex_automaton.h), reproduced state for
 * state so that two of Nix's observable behaviours come out the same:
 *
 * - matching follows libstdc++'s depth-first search over exactly these states (exec.ts);
 * - a pattern whose NFA grows beyond `STATE_LIMIT` states (`_GLIBCXX_REGEX_STATE_LIMIT`)
 *   fails with "memory limit exceeded", counted the way libstdc++ counts (including the
 *   unreachable originals of `{m,n}` copies and the states its clone walk duplicates).
 *
 * A state has an opcode, `next`, and for alternatives and repeats an `alt` branch.
 */

import type { ByteTable } from './charset.ts';
import { RegexSpaceError } from './errors.ts';

/** libstdc++'s `_GLIBCXX_REGEX_STATE_LIMIT`. */
export const STATE_LIMIT = 100000;

export const OP_ALT = 0; // try `alt` (left branch), then `next`
export const OP_REPEAT = 1; // `alt` = body (once more), `next` = leave
export const OP_SUB_BEGIN = 2; // arg = group index
export const OP_SUB_END = 3; // arg = group index
export const OP_LINE_BEGIN = 4;
export const OP_LINE_END = 5;
export const OP_MATCH = 6; // arg = index into `tables`
export const OP_ACCEPT = 7;
export const OP_DUMMY = 8; // removed by eliminateDummies()

const NONE = -1;

/** A fragment of the NFA: its entry state and the state whose `next` continues it. */
export interface Seq {
  start: number;
  end: number;
}

export class NfaBuilder {
  readonly op: number[] = [];
  readonly next: number[] = [];
  readonly alt: number[] = [];
  readonly arg: number[] = [];
  readonly tables: ByteTable[] = [];
  subCount = 0;
  readonly #parenStack: number[] = [];

  #insert(op: number, next: number, alt: number, arg: number): number {
    this.op.push(op);
    this.next.push(next);
    this.alt.push(alt);
    this.arg.push(arg);
    if (this.op.length > STATE_LIMIT) throw new RegexSpaceError(`more than ${STATE_LIMIT} NFA states`);
    return this.op.length - 1;
  }

  hasAlt(i: number): boolean {
    return this.op[i] === OP_ALT || this.op[i] === OP_REPEAT;
  }

  dummy(): number {
    return this.#insert(OP_DUMMY, NONE, NONE, 0);
  }

  accept(): number {
    return this.#insert(OP_ACCEPT, NONE, NONE, 0);
  }

  alternative(next: number, alt: number): number {
    return this.#insert(OP_ALT, next, alt, 0);
  }

  repeat(next: number, alt: number): number {
    return this.#insert(OP_REPEAT, next, alt, 0);
  }

  matcher(table: ByteTable): number {
    this.tables.push(table);
    return this.#insert(OP_MATCH, NONE, NONE, this.tables.length - 1);
  }

  lineBegin(): number {
    return this.#insert(OP_LINE_BEGIN, NONE, NONE, 0);
  }

  lineEnd(): number {
    return this.#insert(OP_LINE_END, NONE, NONE, 0);
  }

  subBegin(): number {
    const id = this.subCount++;
    this.#parenStack.push(id);
    return this.#insert(OP_SUB_BEGIN, NONE, NONE, id);
  }

  subEnd(): number {
    return this.#insert(OP_SUB_END, NONE, NONE, this.#parenStack.pop()!);
  }

  /** Link `s` to continue into state `id`. */
  appendState(s: Seq, id: number): void {
    this.next[s.end] = id;
    s.end = id;
  }

  /** Link `s` to continue into `t`. */
  append(s: Seq, t: Seq): void {
    this.next[s.end] = t.start;
    s.end = t.end;
  }

  /**
   * Copy the fragment `s` (libstdc++ `_StateSeq::_M_clone`): a depth-first walk from its
   * start that does not follow the end's `next`. Like libstdc++ it checks "already copied"
   * when pushing, not when popping, so a state reached twice before it is copied is copied
   * twice (the first copy is unreachable but still counts against the limit).
   */
  clone(s: Seq): Seq {
    const map = new Map<number, number>();
    const stack = [s.start];
    while (stack.length > 0) {
      const u = stack.pop()!;
      const id = this.#insert(this.op[u]!, this.next[u]!, this.alt[u]!, this.arg[u]!);
      map.set(u, id);
      if (this.hasAlt(u) && this.alt[u] !== NONE && !map.has(this.alt[u]!)) stack.push(this.alt[u]!);
      if (u === s.end) continue;
      if (this.next[u] !== NONE && !map.has(this.next[u]!)) stack.push(this.next[u]!);
    }
    for (const v of map.values()) {
      if (this.next[v] !== NONE) this.next[v] = map.get(this.next[v]!) ?? this.next[v]!;
      if (this.hasAlt(v) && this.alt[v] !== NONE) this.alt[v] = map.get(this.alt[v]!) ?? this.alt[v]!;
    }
    return { start: map.get(s.start)!, end: map.get(s.end)! };
  }

  /** Route every `next`/`alt` around dummy states (libstdc++ `_M_eliminate_dummy`). */
  eliminateDummies(): void {
    const n = this.op.length;
    for (let i = 0; i < n; i++) {
      while (this.next[i]! >= 0 && this.op[this.next[i]!] === OP_DUMMY) this.next[i] = this.next[this.next[i]!]!;
      if (this.hasAlt(i)) {
        while (this.alt[i]! >= 0 && this.op[this.alt[i]!] === OP_DUMMY) this.alt[i] = this.next[this.alt[i]!]!;
      }
    }
  }
}

/** A compiled NFA, frozen into typed arrays for the executor. */
export interface Nfa {
  readonly op: Uint8Array;
  readonly next: Int32Array;
  readonly alt: Int32Array;
  readonly arg: Int32Array;
  readonly tables: readonly ByteTable[];
  /** Number of groups including group 0 (the whole match). */
  readonly subCount: number;
  readonly start: number;
}

export function freeze(b: NfaBuilder): Nfa {
  return {
    op: Uint8Array.from(b.op),
    next: Int32Array.from(b.next),
    alt: Int32Array.from(b.alt),
    arg: Int32Array.from(b.arg),
    tables: b.tables,
    subCount: b.subCount,
    start: 0,
  };
}
