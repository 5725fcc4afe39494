/**
 * Batched evaluation through the oracle (Debian's Nix 2.8): many expressions in one
 * `nix-instantiate --eval --strict --json` process, so a table of a thousand cases costs
 * one process start. Strings are byte strings both ways: expressions are written as bytes,
 * and Nix's JSON output (which passes non-ASCII bytes through unescaped) is read as latin1.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NixSandbox } from '../../support/nix.ts';

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
