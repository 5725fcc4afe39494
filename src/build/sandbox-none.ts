/**
 * `sandbox = false`: the builder sees the host as it is — its network, its files, its
 * users — as with Nix without a sandbox. Two cases:
 *
 * - the physical store is the logical one (`/nix/store`): the builder is started directly
 *   and writes its outputs into the store directory itself (`actualDir` = the store);
 * - a chroot store (`ROOT/nix/store`): builders must still find inputs and create outputs at
 *   `/nix/store/…`, so bubblewrap gives them a mount namespace whose only change is that
 *   path (host root bound as it is, the build's store directory over `/nix/store`). This
 *   needs bwrap but isolates nothing else.
 */

import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { materialise, planInput } from './input-view.ts';
import type { Sandbox, SandboxResult, SandboxRun } from './sandbox.ts';
import { findBwrap } from './sandbox-bwrap.ts';

export class NoSandbox implements Sandbox {
  readonly kind = 'none' as const;
  /** True when outputs are written in place in the real store directory. */
  readonly inPlace: boolean;
  readonly #bwrap: string | undefined;

  constructor(options: { inPlace: boolean; bwrapPath?: string }) {
    this.inPlace = options.inPlace;
    this.#bwrap = options.inPlace ? undefined : findBwrap(options.bwrapPath);
  }

  buildDirFor(hostBuildDir: string): string {
    return hostBuildDir;
  }

  run(run: SandboxRun): Promise<SandboxResult> {
    const env: Record<string, string> = {};
    for (const [k, v] of run.env) env[k] = utf8Of(v);
    let cmd = utf8Of(run.builder);
    let args = run.args.map(utf8Of);
    if (!this.inPlace) {
      const o = ['--dev-bind', '/', '/', '--bind', run.hostStoreDir, run.storeDir];
      for (const [base, physical] of run.inputs) {
        const plan = planInput(physical);
        if (plan.kind === 'copy') materialise(plan, physical, join(run.hostStoreDir, base));
        else o.push('--ro-bind', physical, `${run.storeDir}/${base}`);
      }
      const uid = String(process.getuid?.() ?? 0);
      const gid = String(process.getgid?.() ?? 0);
      args = ['--unshare-user', '--uid', uid, '--gid', gid, '--die-with-parent', ...o, '--chdir', run.hostBuildDir, '--', cmd, ...args];
      cmd = this.#bwrap!;
    }
    return new Promise<SandboxResult>((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: run.hostBuildDir, env, stdio: ['ignore', run.logFd, run.logFd], signal: run.signal, killSignal: 'SIGKILL' });
      child.once('error', (e) => {
        if ((e as NodeJS.ErrnoException).code === 'ABORT_ERR') resolve({ exitCode: null, signal: 'SIGKILL' });
        else if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          writeSync(run.logFd, `executing '${cmd}': No such file or directory\n`);
          resolve({ exitCode: 1, signal: null });
        }
        else reject(e);
      });
      child.once('close', (exitCode, signal) => resolve({ exitCode, signal }));
    });
  }
}

function utf8Of(s: string): string {
  return /[\x80-\xff]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}
