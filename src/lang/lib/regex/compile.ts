/**
 * The POSIX ERE compiler, following libstdc++'s `_Compiler` (bits/regex_compiler.tcc)
 * production by production, so that the NFA, the errors and the state count are the same:
 *
 *   regex       := disjunction EOF
 *   disjunction := alternative ('|' alternative)*
 *   alternative := term*                       (empty alternatives are allowed: `a|`, `()`)
 *   term        := '^' | '$' | atom quantifier*
 *   quantifier  := '*' | '+' | '?' | '{' n '}' | '{' n ',' '}' | '{' n ',' m '}'
 *   atom        := '.' | char | '(' disjunction ')' | bracket
 *
 * A quantifier after `^`/`$`, at the start, or after `(`/`|` is an error. `{m,n}` copies
 * the atom's states m times, then n-m optional copies (or one starred copy for `{m,}`).
 *
 * Alongside the NFA it builds a small AST (`Node`), used only to decide whether a pattern
 * can run on a JavaScript RegExp with identical results (js-fast-path.ts).
 */

import { anyTable, BracketBuilder, type ByteTable, charTable, lookupCollateName } from './charset.ts';
import { RegexSyntaxError } from './errors.ts';
import { freeze, type Nfa, NfaBuilder, type Seq } from './nfa.ts';
import * as T from './scanner.ts';

export type Node =
  | { readonly t: 'set'; readonly table: ByteTable }
  | { readonly t: 'bol' }
  | { readonly t: 'eol' }
  | { readonly t: 'group'; readonly index: number; readonly body: Node }
  | { readonly t: 'alt'; readonly branches: readonly Node[] }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'rep'; readonly min: number; readonly max: number; readonly body: Node };

export interface Compiled {
  readonly nfa: Nfa;
  readonly ast: Node;
}

/** Nix's `std::regex(pattern, std::regex::extended)`. Throws RegexSyntaxError/RegexSpaceError. */
export function compile(pattern: string): Compiled {
  return new Compiler(pattern).run();
}

/** libstdc++ reads a repeat count into a `long` and returns it as an `int`. */
function countValue(digits: string): number {
  let v = 0n;
  for (const d of digits) v = BigInt.asIntN(64, v * 10n + BigInt(d.charCodeAt(0) - 48));
  return Number(BigInt.asIntN(32, v));
}

class Compiler {
  readonly #sc: T.Scanner;
  readonly #b = new NfaBuilder();
  #value = '';

  constructor(pattern: string) {
    this.#sc = new T.Scanner(pattern);
  }

  run(): Compiled {
    const b = this.#b;
    const r: Seq = { start: b.subBegin(), end: 0 };
    r.end = r.start;
    const { seq, node } = this.#disjunction();
    if (!this.#accept(T.T_EOF)) throw new RegexSyntaxError("unmatched ')' or unexpected token");
    b.append(r, seq);
    b.appendState(r, b.subEnd());
    b.appendState(r, b.accept());
    b.eliminateDummies();
    return { nfa: freeze(b), ast: node };
  }

  /** Consume the current token if it is `tok` (its value goes to #value). */
  #accept(tok: number): boolean {
    if (this.#sc.token !== tok) return false;
    this.#value = this.#sc.value;
    this.#sc.advance();
    return true;
  }

  #disjunction(): { seq: Seq; node: Node } {
    const b = this.#b;
    let { seq, node } = this.#alternative();
    const branches = [node];
    while (this.#accept(T.T_OR)) {
      const alt1 = seq;
      const r2 = this.#alternative();
      branches.push(r2.node);
      const end = b.dummy();
      b.appendState(alt1, end);
      b.appendState(r2.seq, end);
      // `alt` is the left branch, tried first.
      seq = { start: b.alternative(r2.seq.start, alt1.start), end };
    }
    return { seq, node: branches.length === 1 ? branches[0]! : { t: 'alt', branches } };
  }

  /** libstdc++ recurses once per term; this loops, then links the terms back to front. */
  #alternative(): { seq: Seq; node: Node } {
    const b = this.#b;
    const seqs: Seq[] = [];
    const items: Node[] = [];
    for (let t = this.#term(); t; t = this.#term()) {
      seqs.push(t.seq);
      items.push(t.node);
    }
    let seq: Seq = { start: b.dummy(), end: 0 };
    seq.end = seq.start;
    for (let i = seqs.length - 1; i >= 0; i--) {
      const s = seqs[i]!;
      b.append(s, seq);
      seq = s;
    }
    return { seq, node: items.length === 1 ? items[0]! : { t: 'seq', items } };
  }

  #term(): { seq: Seq; node: Node } | undefined {
    const b = this.#b;
    if (this.#accept(T.T_LINE_BEGIN)) return { seq: single(b.lineBegin()), node: { t: 'bol' } };
    if (this.#accept(T.T_LINE_END)) return { seq: single(b.lineEnd()), node: { t: 'eol' } };
    let a = this.#atom();
    if (!a) return undefined;
    for (let q = this.#quantifier(a); q; q = this.#quantifier(a)) a = q;
    return a;
  }

  #quantifier(e: { seq: Seq; node: Node }): { seq: Seq; node: Node } | undefined {
    const b = this.#b;
    if (this.#accept(T.T_STAR)) {
      const r = single(b.repeat(-1, e.seq.start));
      b.append(e.seq, r);
      return { seq: r, node: { t: 'rep', min: 0, max: Infinity, body: e.node } };
    }
    if (this.#accept(T.T_PLUS)) {
      const s = { ...e.seq };
      b.appendState(s, b.repeat(-1, s.start));
      return { seq: s, node: { t: 'rep', min: 1, max: Infinity, body: e.node } };
    }
    if (this.#accept(T.T_OPT)) {
      const end = b.dummy();
      const r = single(b.repeat(-1, e.seq.start));
      b.appendState({ ...e.seq }, end);
      b.appendState(r, end);
      return { seq: r, node: { t: 'rep', min: 0, max: 1, body: e.node } };
    }
    if (this.#accept(T.T_INTERVAL_BEGIN)) return this.#interval(e);
    return undefined;
  }

  #interval(r: { seq: Seq; node: Node }): { seq: Seq; node: Node } {
    const b = this.#b;
    if (!this.#accept(T.T_DUP_COUNT)) throw new RegexSyntaxError("expected a count after '{'");
    const e: Seq = single(b.dummy());
    const min = countValue(this.#value);
    let infinite = false;
    let n = 0;
    if (this.#accept(T.T_COMMA)) {
      if (this.#accept(T.T_DUP_COUNT)) n = (countValue(this.#value) - min) | 0; // C++ int arithmetic
      else infinite = true;
    }
    if (!this.#accept(T.T_INTERVAL_END)) throw new RegexSyntaxError("expected '}'");
    for (let i = 0; i < min; i++) b.append(e, b.clone(r.seq));
    if (infinite) {
      const tmp = b.clone(r.seq);
      const s = single(b.repeat(-1, tmp.start));
      b.append(tmp, s);
      b.append(e, s);
    } else {
      if (n < 0) throw new RegexSyntaxError('invalid repeat bounds');
      const end = b.dummy();
      const alts: number[] = [];
      for (let i = 0; i < n; i++) {
        const tmp = b.clone(r.seq);
        const alt = b.repeat(tmp.start, end);
        alts.push(alt);
        b.append(e, { start: alt, end: tmp.end });
      }
      b.appendState(e, end);
      // libstdc++ builds these with the branches the other way round, then swaps them.
      for (const alt of alts) [b.next[alt], b.alt[alt]] = [b.alt[alt]!, b.next[alt]!];
    }
    const lo = Math.max(min, 0);
    return { seq: e, node: { t: 'rep', min: lo, max: infinite ? Infinity : lo + n, body: r.node } };
  }

  #atom(): { seq: Seq; node: Node } | undefined {
    const b = this.#b;
    if (this.#accept(T.T_ANY)) {
      const table = anyTable();
      return { seq: single(b.matcher(table)), node: { t: 'set', table } };
    }
    if (this.#accept(T.T_ORD)) {
      const table = charTable(this.#value.charCodeAt(0));
      return { seq: single(b.matcher(table)), node: { t: 'set', table } };
    }
    if (this.#accept(T.T_SUB_BEGIN)) {
      const r = single(b.subBegin());
      const index = b.subCount - 1;
      const inner = this.#disjunction();
      if (!this.#accept(T.T_SUB_END)) throw new RegexSyntaxError("unmatched '('");
      b.append(r, inner.seq);
      b.appendState(r, b.subEnd());
      return { seq: r, node: { t: 'group', index, body: inner.node } };
    }
    const neg = this.#accept(T.T_BRACKET_NEG_BEGIN);
    if (!neg && !this.#accept(T.T_BRACKET_BEGIN)) return undefined;
    const table = this.#bracket(neg);
    return { seq: single(b.matcher(table)), node: { t: 'set', table } };
  }

  /** The inside of `[...]` (libstdc++ `_M_insert_bracket_matcher`/`_M_expression_term`). */
  #bracket(negated: boolean): ByteTable {
    const m = new BracketBuilder(negated);
    // The pending single character that may still start a range, or a class, or nothing.
    let last = { kind: 'none' } as Pending;
    const pushChar = (c: number): void => {
      if (last.kind === 'char') m.addChar(last.c);
      last = { kind: 'char', c };
    };
    const pushClass = (): void => {
      if (last.kind === 'char') m.addChar(last.c);
      last = { kind: 'class' };
    };
    if (this.#accept(T.T_ORD)) last = { kind: 'char', c: this.#value.charCodeAt(0) };
    else if (this.#accept(T.T_BRACKET_DASH)) last = { kind: 'char', c: 0x2d };
    for (;;) {
      if (this.#accept(T.T_BRACKET_END)) break;
      if (this.#accept(T.T_COLL_SYMBOL)) {
        const c = lookupCollateName(this.#value);
        m.addChar(c);
        pushChar(c);
      } else if (this.#accept(T.T_EQUIV_NAME)) {
        pushClass();
        m.addEquivalence(this.#value);
      } else if (this.#accept(T.T_CLASS_NAME)) {
        pushClass();
        m.addClass(this.#value);
      } else if (this.#accept(T.T_ORD)) {
        pushChar(this.#value.charCodeAt(0));
      } else if (this.#accept(T.T_BRACKET_DASH)) {
        if (this.#accept(T.T_BRACKET_END)) {
          pushChar(0x2d);
          break;
        }
        if (last.kind === 'class') throw new RegexSyntaxError('a range cannot start with a class');
        if (last.kind === 'none') throw new RegexSyntaxError("invalid location of '-' in a bracket");
        if (this.#accept(T.T_ORD)) m.addRange(last.c, this.#value.charCodeAt(0));
        else if (this.#accept(T.T_BRACKET_DASH)) m.addRange(last.c, 0x2d);
        else throw new RegexSyntaxError('invalid end of a range');
        last = { kind: 'none' };
      } else throw new RegexSyntaxError('unterminated bracket expression');
    }
    if (last.kind === 'char') m.addChar(last.c);
    return m.build();
  }
}

/** What a bracket has read but not yet committed: a character may still start a range. */
type Pending = { kind: 'none' } | { kind: 'class' } | { kind: 'char'; c: number };

function single(id: number): Seq {
  return { start: id, end: id };
}
