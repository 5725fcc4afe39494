/**
 * Run a helper program (git, tar, unzip…) synchronously and return its stdout, or throw a
 * HostError with its stderr. The fetchers' only way to reach those tools.
 */

import { spawnSync } from 'node:child_process';
import { HostError } from '../../lang/host.ts';

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `cmd args…`; never throws for a non-zero exit (see `runOk`). */
export function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'latin1', maxBuffer: 1 << 30, env: env ?? process.env });
  if (r.error) throw new HostError(`executing '${cmd}': ${r.error.message}`, 'E_FETCH_PROGRAM');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run and return stdout; a non-zero exit is an error quoting the program's stderr (as Nix's runProgram). */
export function runOk(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const r = run(cmd, args, env);
  if (r.status !== 0) {
    const why = r.stderr.trim();
    throw new HostError(`program '${cmd}' failed with exit code ${r.status}${why === '' ? '' : `:\n${why}`}`, 'E_FETCH_PROGRAM');
  }
  return r.stdout;
}
