/** Run the `tix` command as a user would (bin/tix on the pinned Node), for CLI and differential tests. */

import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TIX_BIN = join(root, 'bin', 'tix');

export interface TixResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export function runTix(args: readonly string[], options: { input?: Uint8Array; cwd?: string; env?: NodeJS.ProcessEnv } = {}): TixResult {
  const env = options.env ? { ...process.env, ...options.env } : undefined;
  const r = spawnSync(TIX_BIN, args, { input: options.input, cwd: options.cwd, maxBuffer: 1 << 30, ...(env ? { env } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: String(r.stderr) };
}
