/**
 * Batched evaluation through the oracle (Debian's Nix 2.8): many expressions in one
 * `nix-instantiate --eval --strict --json` process, so a table of a thousand cases costs
 * one process start. Strings are byte strings both ways: expressions are written as bytes,
 * and Nix's JSON output (which passes non-ASCII bytes through unescaped) is read as latin1.
 * NIX_DESCRIBE and describeValue() put a Nix value and a tix value in one comparable form.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFloat, type PlainValue } from '../../../src/lang/lib/data.ts';
import { formatFloatFixed } from '../../../src/lang/lib/float-format.ts';
import { NixSandbox } from '../../support/nix.ts';

/** A Nix function showing a value in JSON with floats as ["float", toString], so 1 ≠ 1.0. */
export const NIX_DESCRIBE = `let d = v: if builtins.isFloat v then [ "float" (toString v) ] else if builtins.isList v then map d v
  else if builtins.isAttrs v then builtins.mapAttrs (n: d) v else v; in d`;

/** A tix value in the form NIX_DESCRIBE gives its Nix counterpart. */
export function describeValue(v: PlainValue): unknown {
  if (isFloat(v)) return ['float', formatFloatFixed(v.float)];
  if (Array.isArray(v)) return v.map(describeValue);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, describeValue(x)]));
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A Nix string literal for the byte string `s` (no NUL bytes). */
export function nixStr(s: string): string {
  return `"${s.replace(/[\\"$]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** Evaluate each expression; one Nix process for all of them. Throws if any fails. */
export function nixEvalBatch(exprs: readonly string[], extraArgs: readonly string[] = []): unknown[] {
  const sb = new NixSandbox();
  try {
    const file = join(sb.root, 'batch.nix');
    writeFileSync(file, Buffer.from(`[\n${exprs.map((e) => `(${e})`).join('\n')}\n]\n`, 'latin1'));
    const r = sb.run('nix-instantiate', ['--eval', '--strict', '--json', ...extraArgs, file]);
    if (r.status !== 0) throw new Error(`nix-instantiate failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout.toString('latin1')) as unknown[];
  } finally {
    sb.dispose();
  }
}

/** Evaluate one expression expected to fail; returns Nix's stderr (empty if it succeeded). */
export function nixEvalError(expr: string, extraArgs: readonly string[] = []): string {
  const sb = new NixSandbox();
  try {
    const file = join(sb.root, 'fail.nix');
    writeFileSync(file, Buffer.from(expr, 'latin1'));
    const r = sb.run('nix-instantiate', ['--eval', '--strict', '--json', ...extraArgs, file]);
    return r.status === 0 ? '' : r.stderr;
  } finally {
    sb.dispose();
  }
}
