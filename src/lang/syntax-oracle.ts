/**
 * Bison's syntax error messages, reproduced. The hand-written parser only knows *that* the
 * input is wrong; this module replays the token stream through the LALR(1) automaton of
 * upstream's grammar (grammar.ts, lalr.ts) exactly as bison's lalr1.cc skeleton runs it —
 * default reductions without look-ahead, explicit `%nonassoc` errors — and, in the state
 * where bison detects the error, builds `parse.error detailed`'s message:
 *
 *   syntax error, unexpected TOKEN[, expecting A[ or B[ or C[ or D]]]]
 *
 * (no "expecting" list when more than four tokens would fit), located at the unexpected
 * token, or at its end for "end of file". The tables are built on first use only: a run
 * that never meets a syntax error never pays for them.
 */

import { nixGrammar } from './grammar.ts';
import { ACT_ERROR, buildTables, type Tables } from './lalr.ts';
import type { TokenStream } from './lexer.ts';
import { NixSyntaxError } from './syntax-error.ts';
import { T_EOF, T_LEX_ERROR, TOKEN_NAMES } from './tokens.ts';

let tables: Tables | undefined;

export function nixTables(): Tables {
  return (tables ??= buildTables(nixGrammar()));
}

/** The outcome of running the automaton: accepted, or stopped at token `index` in `state`. */
export type OracleRun = { readonly accepted: true } | { readonly accepted: false; readonly index: number; readonly state: number };

/** Run bison's algorithm over the tokens. A lexer error token reached as look-ahead is thrown. */
export function runAutomaton(tokens: TokenStream): OracleRun {
  const tb = nixTables();
  const { action, defaultReduction, noLookahead, goto, nSymbols, nTerminals, finalState } = tb;
  const rules = nixGrammar().rules;
  const stack: number[] = [0];
  let ti = 0;
  let la = -1;
  for (;;) {
    const s = stack[stack.length - 1]!;
    if (s === finalState) return { accepted: true };
    let rule: number;
    if (noLookahead[s]) rule = defaultReduction[s]!;
    else {
      if (la < 0) {
        la = tokens.kinds[ti]!;
        if (la === T_LEX_ERROR) throw tokens.values[ti];
      }
      const a = action[s * nTerminals + la]!;
      if (a > 0) {
        stack.push(a - 1);
        la = -1;
        if (ti < tokens.count - 1) ti++;
        continue;
      }
      if (a === ACT_ERROR) return { accepted: false, index: ti, state: s };
      rule = a < 0 ? -a : defaultReduction[s]!;
    }
    if (rule < 0) return { accepted: false, index: ti, state: s };
    const r = rules[rule]!;
    stack.length -= r.rhs.length;
    const top = stack[stack.length - 1]!;
    stack.push(goto[top * nSymbols + r.lhs]!);
  }
}

/** Tokens with an explicit, non-error action in `state`, in bison's order. */
export function expectedTokens(state: number): number[] {
  const { action, nTerminals } = nixTables();
  const out: number[] = [];
  for (let t = 0; t < nTerminals; t++) {
    const a = action[state * nTerminals + t]!;
    if (t !== 1 && a !== 0 && a !== ACT_ERROR) out.push(t);
  }
  return out;
}

/** bison's message for the syntax error in `tokens`; `hint` is where the hand parser stopped. */
export function explainSyntaxError(tokens: TokenStream, hint: number): NixSyntaxError {
  const run = runAutomaton(tokens);
  // The hand parser and the automaton disagree only through a bug in the former; say what
  // the hand parser saw rather than nothing.
  const index = run.accepted ? hint : run.index;
  const kind = tokens.kinds[index]!;
  let message = `syntax error, unexpected ${TOKEN_NAMES[kind] ?? 'invalid token'}`;
  if (!run.accepted) {
    const expected = expectedTokens(run.state);
    if (expected.length > 0 && expected.length <= 4) message += ', expecting ' + expected.map((t) => TOKEN_NAMES[t]).join(' or ');
  }
  const offset = kind === T_EOF ? tokens.ends[index]! : tokens.starts[index]!;
  return new NixSyntaxError('E_NIX_SYNTAX', message, tokens.source, offset);
}
