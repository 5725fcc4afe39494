/**
 * An LALR(1) table builder that makes the same decisions as bison's (lalr1.cc skeleton with
 * `lr.default-reduction=most`): LR(0) states, LALR(1) look-aheads by spontaneous generation
 * and propagation (the dragon book's algorithm, equivalent to DeRemer–Pennello), shift/reduce
 * conflicts resolved by precedence and associativity (`%nonassoc` making explicit error
 * entries), reduce/reduce conflicts to the earlier rule, and bison's default reductions:
 * a state that needs no look-ahead reduces without reading a token; otherwise its most
 * common reduction becomes the default and its entries are dropped from the row.
 *
 * Those choices decide in which state an error is detected, and so the "expecting …" list
 * that bison prints; syntax-oracle.ts runs the tables.
 */

import type { Grammar } from './grammar.ts';

/** Action entry encoding: > 0 shift to state (n - 1)... see below. */
export const ACT_NONE = 0;
export const ACT_ERROR = -0x7fffffff;

export interface Tables {
  readonly nStates: number;
  readonly nTerminals: number;
  /**
   * `action[s * nTerminals + t]`: 0 = no explicit entry (take the default), > 0 = shift to
   * state n - 1, < 0 (but not ACT_ERROR) = reduce by rule -n, ACT_ERROR = explicit error.
   */
  readonly action: Int32Array;
  /** Default reduction rule of each state, or -1. */
  readonly defaultReduction: Int32Array;
  /** True when bison reduces in this state without reading a token (no explicit entries). */
  readonly noLookahead: Uint8Array;
  /** `goto[s * nSymbols + A]` = target state of nonterminal A, or -1. */
  readonly goto: Int32Array;
  readonly nSymbols: number;
  /** The state reached by shifting `$end` (accept). */
  readonly finalState: number;
}

export function buildTables(g: Grammar): Tables {
  const { rules, nTerminals: NT, nSymbols: NS } = g;
  // Item ids: itemBase[r] + dot.
  const itemBase: number[] = [];
  const itemRule: number[] = [];
  const itemDot: number[] = [];
  for (let r = 0; r < rules.length; r++) {
    itemBase.push(itemRule.length);
    for (let d = 0; d <= rules[r]!.rhs.length; d++) {
      itemRule.push(r);
      itemDot.push(d);
    }
  }
  const afterDot = (it: number): number => {
    const rhs = rules[itemRule[it]!]!.rhs;
    const d = itemDot[it]!;
    return d < rhs.length ? rhs[d]! : -1;
  };
  const rulesOf: number[][] = Array.from({ length: NS }, () => []);
  rules.forEach((r, i) => rulesOf[r.lhs]!.push(i));

  // Nullable and FIRST sets (FIRST as arrays of terminal flags).
  const nullable = new Uint8Array(NS);
  const first: Uint8Array[] = Array.from({ length: NS }, (_, s) => {
    const f = new Uint8Array(NT);
    if (s < NT) f[s] = 1;
    return f;
  });
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of rules) {
      let allNullable = true;
      for (const s of r.rhs) {
        const fs = first[s]!;
        const fl = first[r.lhs]!;
        for (let t = 0; t < NT; t++) {
          if (fs[t] && !fl[t]) {
            fl[t] = 1;
            changed = true;
          }
        }
        if (!nullable[s]) {
          allNullable = false;
          break;
        }
      }
      if (allNullable && !nullable[r.lhs]) {
        nullable[r.lhs] = 1;
        changed = true;
      }
    }
  }

  // LR(0) automaton.
  const closure0 = (kernel: readonly number[]): number[] => {
    const seen = new Set(kernel);
    const out = [...kernel];
    for (let k = 0; k < out.length; k++) {
      const X = afterDot(out[k]!);
      if (X >= NT) {
        for (const r of rulesOf[X]!) {
          const it = itemBase[r]!;
          if (!seen.has(it)) {
            seen.add(it);
            out.push(it);
          }
        }
      }
    }
    return out;
  };
  const kernels: number[][] = [[itemBase[0]!]];
  const stateOf = new Map<string, number>([[String(itemBase[0]), 0]]);
  const trans: Map<number, number>[] = [];
  for (let s = 0; s < kernels.length; s++) {
    const items = closure0(kernels[s]!);
    const bySym = new Map<number, number[]>();
    for (const it of items) {
      const X = afterDot(it);
      if (X < 0) continue;
      let l = bySym.get(X);
      if (!l) bySym.set(X, (l = []));
      l.push(it + 1);
    }
    const tr = new Map<number, number>();
    for (const X of [...bySym.keys()].sort((a, b) => a - b)) {
      const k = bySym.get(X)!.sort((a, b) => a - b);
      const key = k.join(',');
      let t = stateOf.get(key);
      if (t === undefined) {
        t = kernels.length;
        kernels.push(k);
        stateOf.set(key, t);
      }
      tr.set(X, t);
    }
    trans.push(tr);
  }
  const nStates = kernels.length;

  // LALR(1) look-aheads. Holders: (state, item) for kernel items and completed items.
  const holderId = new Map<number, number>();
  const la: Uint8Array[] = [];
  const NI = itemRule.length;
  const holder = (s: number, it: number): number => {
    const key = s * NI + it;
    let h = holderId.get(key);
    if (h === undefined) {
      h = la.length;
      holderId.set(key, h);
      la.push(new Uint8Array(NT));
    }
    return h;
  };
  const propagate: number[][] = [];
  const HASH = NT; // the dummy look-ahead
  for (let s = 0; s < nStates; s++) {
    for (const K of kernels[s]!) {
      const from = holder(s, K);
      // LR(1) closure of [K, #].
      const las = new Map<number, Uint8Array>([[K, oneHot(NT + 1, HASH)]]);
      const work = [K];
      while (work.length) {
        const it = work.pop()!;
        const X = afterDot(it);
        if (X < NT) continue;
        const rhs = rules[itemRule[it]!]!.rhs;
        const look = new Uint8Array(NT + 1);
        let restNullable = true;
        for (let d = itemDot[it]! + 1; d < rhs.length; d++) {
          const f = first[rhs[d]!]!;
          for (let t = 0; t < NT; t++) if (f[t]) look[t] = 1;
          if (!nullable[rhs[d]!]) {
            restNullable = false;
            break;
          }
        }
        if (restNullable) {
          const mine = las.get(it)!;
          for (let t = 0; t <= NT; t++) if (mine[t]) look[t] = 1;
        }
        for (const r of rulesOf[X]!) {
          const ni = itemBase[r]!;
          let cur = las.get(ni);
          let grew = false;
          if (!cur) {
            las.set(ni, (cur = new Uint8Array(NT + 1)));
            grew = true;
          }
          for (let t = 0; t <= NT; t++) {
            if (look[t] && !cur[t]) {
              cur[t] = 1;
              grew = true;
            }
          }
          if (grew) work.push(ni);
        }
      }
      for (const [it, look] of las) {
        const X = afterDot(it);
        let target: number;
        if (X < 0) {
          if (it === K) continue; // a completed kernel item holds its own look-aheads
          target = holder(s, it);
        } else target = holder(trans[s]!.get(X)!, it + 1);
        for (let t = 0; t < NT; t++) if (look[t]) la[target]![t] = 1;
        if (look[HASH]) (propagate[from] ??= []).push(target);
      }
    }
  }
  la[holder(0, itemBase[0]!)]![0] = 0; // $accept has no look-ahead of its own
  for (let changed = true; changed; ) {
    changed = false;
    for (let h = 0; h < la.length; h++) {
      const targets = propagate[h];
      if (!targets) continue;
      const src = la[h]!;
      for (const tg of targets) {
        const dst = la[tg]!;
        for (let t = 0; t < NT; t++) {
          if (src[t] && !dst[t]) {
            dst[t] = 1;
            changed = true;
          }
        }
      }
    }
  }

  // Action rows.
  const action = new Int32Array(nStates * NT);
  const defaultReduction = new Int32Array(nStates).fill(-1);
  const noLookahead = new Uint8Array(nStates);
  const gotoT = new Int32Array(nStates * NS).fill(-1);
  let finalState = -1;
  for (let s = 0; s < nStates; s++) {
    const tr = trans[s]!;
    for (const [X, t] of tr) if (X >= NT) gotoT[s * NS + X] = t;
    if (tr.has(0)) finalState = tr.get(0)!;
    const reds: number[] = [];
    for (const it of closure0(kernels[s]!)) if (afterDot(it) < 0 && itemRule[it] !== 0) reds.push(it);
    reds.sort((a, b) => itemRule[a]! - itemRule[b]!);
    const redRules = reds.map((it) => itemRule[it]!);
    const redLa = reds.map((it) => Uint8Array.from(la[holder(s, it)]!));
    const shifts = new Uint8Array(NT);
    let hasTokenShift = false;
    for (const X of tr.keys()) {
      if (X < NT) {
        shifts[X] = 1;
        hasTokenShift = true;
      }
    }
    const consistent = !(reds.length > 1 || (reds.length === 1 && hasTokenShift));
    const errs = new Uint8Array(NT);
    if (!consistent) {
      // Shift/reduce conflicts resolved by precedence (bison's set_conflicts).
      for (let i = 0; i < reds.length; i++) {
        const rp = g.rules[redRules[i]!]!.prec;
        if (!rp) continue;
        for (let t = 0; t < NT; t++) {
          if (!redLa[i]![t] || !shifts[t] || !g.tokenPrec[t]) continue;
          const tp = g.tokenPrec[t]!;
          if (tp < rp) shifts[t] = 0;
          else if (tp > rp) redLa[i]![t] = 0;
          else {
            const assoc = g.tokenAssoc[t]!;
            if (assoc === 2) redLa[i]![t] = 0;
            else if (assoc === 1) shifts[t] = 0;
            else {
              shifts[t] = 0;
              redLa[i]![t] = 0;
              errs[t] = 1;
            }
          }
        }
      }
    }
    const row = s * NT;
    if (!consistent) {
      for (let i = reds.length - 1; i >= 0; i--) {
        for (let t = 0; t < NT; t++) if (redLa[i]![t]) action[row + t] = -redRules[i]!;
      }
    }
    for (const [X, t] of tr) if (X < NT && shifts[X]) action[row + X] = t + 1;
    for (let t = 0; t < NT; t++) if (errs[t]) action[row + t] = ACT_ERROR;
    if (reds.length >= 1) {
      if (consistent) defaultReduction[s] = redRules[0]!;
      else {
        let max = 0;
        for (const r of redRules) {
          let count = 0;
          for (let t = 0; t < NT; t++) if (action[row + t] === -r) count++;
          if (count > max) {
            max = count;
            defaultReduction[s] = r;
          }
        }
        if (max > 0) {
          const d = defaultReduction[s]!;
          for (let t = 0; t < NT; t++) if (action[row + t] === -d) action[row + t] = ACT_NONE;
        }
      }
    }
    if (defaultReduction[s] === -1) for (let t = 0; t < NT; t++) if (action[row + t] === ACT_ERROR) action[row + t] = ACT_NONE;
    let any = false;
    for (let t = 0; t < NT; t++) if (action[row + t] !== ACT_NONE) any = true;
    noLookahead[s] = any ? 0 : 1;
  }
  return { nStates, nTerminals: NT, action, defaultReduction, noLookahead, goto: gotoT, nSymbols: NS, finalState };
}

function oneHot(n: number, i: number): Uint8Array {
  const a = new Uint8Array(n);
  a[i] = 1;
  return a;
}
