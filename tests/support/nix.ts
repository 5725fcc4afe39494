/**
 * The oracle: Debian's nix-bin (Nix 2.8). Differential tests call `nixOrSkip(t)` and run
 * Nix against a throw-away `local?root=` store so nothing touches the machine's /nix.
 */

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cached: boolean | undefined;

/** True when nix-store is on PATH. */
export function hasNix(): boolean {
  if (cached === undefined) cached = spawnSync('nix-store', ['--version'], { stdio: 'ignore' }).status === 0;
  return cached;
}

/** Skip reason for node:test's `skip` option, printed by the runner when Nix is absent. */
export const NIX_SKIP = hasNix() ? false : 'nix-store is not installed (apt-get install nix-bin); .ci/run installs it';

export interface NixResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/** A temporary Nix store root; `dispose()` removes it. */
export class NixSandbox {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'tix-nix-oracle-'));
  }

  get storeUrl(): string {
    return `local?root=${this.root}`;
  }

  /** Run a Nix command with this store as NIX_REMOTE. */
  run(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): NixResult {
    const r = spawnSync(cmd, args, {
      maxBuffer: 1 << 30,
      ...opts,
      env: {
        ...process.env,
        NIX_REMOTE: this.storeUrl,
        NIX_CONFIG: 'experimental-features = nix-command\nsandbox = false\nsubstituters =\n',
        ...(opts.env ?? {}),
      },
    });
    return { status: r.status, stdout: r.stdout as Buffer, stderr: String(r.stderr ?? '') };
  }

  /** Run and return stdout as text, throwing with Nix's stderr on failure. */
  ok(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}): string {
    const r = this.run(cmd, args, opts);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout.toString();
  }

  dispose(): void {
    // Nix makes store paths read-only; make them writable so they can be removed.
    spawnSync('chmod', ['-R', 'u+w', this.root], { stdio: 'ignore' });
    rmSync(this.root, { recursive: true, force: true });
  }
}
