/** Run the `tix` command as a user would (bin/tix on the pinned Node), for CLI and differential tests. */

import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './child.ts';

export const TIX_BIN = join(repoRoot, 'bin', 'tix');

export interface TixResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

type TixOptions = { input?: Uint8Array | string; cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number };

/** Environment for a tix that reads no machine or user configuration and prints no debug stack traces. */
export const NO_CONFIG_ENV: NodeJS.ProcessEnv = Object.freeze({ TIX_CONF: '/dev/null', XDG_CONFIG_HOME: '/nonexistent', TIX_DEBUG: '' });

/**
 * Blocks this process until tix exits: use it only when this process has no store open.
 * If it does, it may own the store DB, and a blocked owner never answers the child.
 */
export function runTix(args: readonly string[], options: TixOptions = {}): TixResult {
  const env = options.env ? { ...process.env, ...options.env } : undefined;
  const r = spawnSync(TIX_BIN, args, { input: options.input, cwd: options.cwd, timeout: options.timeout, maxBuffer: 1 << 30, ...(env ? { env } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: String(r.stderr) };
}

/** `runTix` with stdout decoded as UTF-8, for commands that print text. */
export function runTixText(args: readonly string[], options: TixOptions = {}): { status: number | null; stdout: string; stderr: string } {
  const r = runTix(args, options);
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** `runTix` that keeps this process's event loop running, for tests that hold the store open. */
export function runTixAsync(args: readonly string[], options: TixOptions = {}): Promise<TixResult> {
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(TIX_BIN, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(options.input);
  });
}
