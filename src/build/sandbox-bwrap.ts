/**
 * Nix's Linux build sandbox (`ChrootLinuxDerivationBuilder`), assembled from bubblewrap:
 *
 *   namespaces   user (uid 1000 `nixbld`, gid 100), mount, PID (builder is PID 1), IPC,
 *                UTS (host name `localhost`), network (except fixed-output derivations)
 *   /            an empty tmpfs, remounted read-only once everything is in place
 *   /nix/store   a host directory of this build, writable (the builder creates its outputs
 *                there), holding every path of the input closure (small ones copied, large
 *                ones bound read-only: input-view.ts), so the builder sees logical
 *                `/nix/store/…` paths whatever the physical store is
 *   /build       the build directory (working directory, `$NIX_BUILD_TOP`)
 *   /tmp         an empty sticky world-writable tmpfs (Nix: a directory of the chroot)
 *   /dev         null zero full random urandom tty, ptmx + private pts, fd/std* links, shm
 *   /proc        a fresh procfs of the PID namespace
 *   /etc         passwd, group, hosts as Nix writes them; fixed-output builds get the host's
 *                resolv.conf, services and hosts, and nsswitch.conf `hosts: files dns`
 *                (written once per process: they are the same for every build)
 *   sandbox-paths bound read-only (default `/bin/sh` = busybox)
 *
 * Options and the environment go to bwrap through `--args` on fd 3, which keeps the exact
 * bytes of environment values and has no argv length limit for large closures. Small inputs
 * are copied while bwrap starts; `--block-fd` on fd 4 holds the builder back until then. Host paths
 * are only ever bound read-only: inside the user namespace the build user maps to the
 * calling user, so a writable bind of a host file would let the builder change it.
 */

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  FOD_HOST_FILES,
  FOD_NSSWITCH,
  SANDBOX_BUILD_DIR,
  SANDBOX_GID,
  SANDBOX_GROUP,
  SANDBOX_HOSTNAME,
  SANDBOX_HOSTS,
  SANDBOX_UID,
  sandboxPasswd,
} from './constants.ts';
import { BuildError } from './errors.ts';
import { planInput, prepareMountPoints, syncInputs } from './input-view.ts';
import { spawnThroughServer } from './spawner.ts';
import type { Sandbox, SandboxResult, SandboxRun } from './sandbox.ts';

/** Find `bwrap` on PATH (or at `explicit`), or say how to get it. */
export function findBwrap(explicit?: string, pathEnv: string = process.env.PATH ?? ''): string {
  const candidates = explicit ? [explicit] : pathEnv.split(delimiter).filter(Boolean).map((d) => join(d, 'bwrap'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new BuildError(
    'E_SANDBOX',
    "sandboxed builds need bubblewrap ('bwrap'), which was not found on PATH; install it (Debian: apt-get install bubblewrap) or set 'sandbox = false' to build without a sandbox",
  );
}

export class BwrapSandbox implements Sandbox {
  readonly kind = 'bwrap' as const;
  readonly inPlace = false;
  readonly bwrap: string;
  readonly #etcParent: string;
  #etcDir: string | undefined;

  readonly #viaServer: boolean;

  /**
   * `etcParent`: where the shared `/etc` files may be created (removed at process exit).
   * `direct`: fork this process to start bwrap instead of asking the helper (spawner.ts).
   */
  constructor(options: { bwrapPath?: string; etcParent?: string; direct?: boolean } = {}) {
    this.bwrap = findBwrap(options.bwrapPath);
    this.#viaServer = options.direct !== true;
    this.#etcParent = options.etcParent ?? tmpdir();
  }

  buildDirFor(): string {
    return SANDBOX_BUILD_DIR;
  }

  /** The `/etc` files of every sandbox of this process: `<dir>/plain/*` and `<dir>/fod/*`. */
  #etc(): string {
    if (this.#etcDir) return this.#etcDir;
    const dir = mkdtempSync(join(this.#etcParent, 'tix-sandbox-etc-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const files: [string, string, string][] = [
      ['plain', 'passwd', sandboxPasswd()],
      ['plain', 'group', SANDBOX_GROUP],
      ['plain', 'hosts', SANDBOX_HOSTS],
      ['fod', 'passwd', sandboxPasswd()],
      ['fod', 'group', SANDBOX_GROUP],
      ['fod', 'nsswitch.conf', FOD_NSSWITCH],
    ];
    for (const [kind, name, text] of files) {
      mkdirSync(join(dir, kind), { recursive: true });
      writeFileSync(join(dir, kind, name), text);
    }
    this.#etcDir = dir;
    return dir;
  }

  /**
   * The bwrap options (without the command), NUL-separated as `--args` reads them. With
   * `blockFd`, bwrap sets up the sandbox and then waits for a byte on that descriptor
   * before it runs the builder.
   */
  options(run: SandboxRun, blockFd?: number): string[] {
    const o: string[] = ['--unshare-user', '--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup-try'];
    if (!run.network) o.push('--unshare-net');
    o.push('--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_GID), '--hostname', SANDBOX_HOSTNAME);
    // The builder is PID 1 as in Nix; it dies with tix; no controlling terminal to inject into.
    o.push('--as-pid-1', '--die-with-parent', '--new-session');
    o.push('--proc', '/proc');
    const hostDev = run.sandboxPaths.some((p) => p.target === '/dev');
    if (!hostDev) o.push('--dev', '/dev', '--perms', '1777', '--tmpfs', '/dev/shm');
    o.push('--perms', '1777', '--tmpfs', '/tmp');

    o.push('--bind', run.hostStoreDir, run.storeDir);
    // Small inputs are copied by `copyInputs`, large ones bound read-only (input-view.ts).
    for (const [base, physical] of run.inputs) if (planInput(physical).kind === 'bind') o.push('--ro-bind', physical, `${run.storeDir}/${base}`);
    o.push('--bind', run.hostBuildDir, SANDBOX_BUILD_DIR);

    const etc = join(this.#etc(), run.network ? 'fod' : 'plain');
    for (const name of run.network ? ['passwd', 'group', 'nsswitch.conf'] : ['passwd', 'group', 'hosts']) o.push('--ro-bind', join(etc, name), `/etc/${name}`);
    if (run.network) for (const f of FOD_HOST_FILES) if (existsSync(f)) o.push('--ro-bind', f, f);

    for (const p of run.sandboxPaths) {
      if (p.target === '/dev') o.push('--dev-bind', p.source, '/dev');
      else o.push(p.optional ? '--ro-bind-try' : '--ro-bind', p.source, p.target);
    }
    o.push('--remount-ro', '/', '--chdir', SANDBOX_BUILD_DIR, '--clearenv');
    if (blockFd !== undefined) o.push('--block-fd', String(blockFd));
    for (const [k, v] of run.env) {
      if (k.includes('\0') || v.includes('\0') || k.includes('=')) {
        throw new BuildError('E_BAD_DERIVATION', `environment variable '${k}' cannot be passed to the builder (it contains a NUL byte or '=')`);
      }
      o.push('--setenv', k, v);
    }
    return o;
  }

  /** Make the host directory of the sandbox's store hold exactly the small inputs, copied. */
  copyInputs(run: SandboxRun): void {
    syncInputs(run.hostStoreDir, run.inputs);
  }

  /**
   * Start bwrap first and copy the inputs while it makes the namespaces and mounts (the
   * store directory is bound, so files added to it later are seen inside); the builder
   * runs once the copies are complete, when bwrap reads a byte from its `--block-fd`. If
   * copying fails, bwrap is killed while still blocked, so the builder never starts (an
   * end of file on the descriptor would release it: it stays open until bwrap is gone).
   */
  run(run: SandboxRun): Promise<SandboxResult> {
    // A reused store directory: bwrap must find only its own kind of mount points.
    prepareMountPoints(run.hostStoreDir, run.inputs);
    const opts = this.options(run, BLOCK_FD);
    const blob = Buffer.from(opts.join('\0') + '\0', 'latin1');
    // The command goes on argv (bwrap wants it there); argv strings are UTF-8 on the wire.
    const argv = ['--args', String(ARGS_FD), '--', utf8Of(run.builder), ...run.args.map(utf8Of)];
    return this.#viaServer && run.logPath !== undefined ? this.#runViaServer(run, argv, blob, run.logPath) : this.#runDirect(run, argv, blob);
  }

  /**
   * Through the helper process (spawner.ts): no fork of this process. A sandbox without
   * inputs has nothing to copy while bwrap starts, so it goes on without waiting for word.
   */
  async #runViaServer(run: SandboxRun, argv: string[], blob: Buffer, logPath: string): Promise<SandboxResult> {
    if (run.signal?.aborted) return { exitCode: null, signal: 'SIGKILL' };
    const early = run.inputs.size === 0;
    if (early) this.copyInputs(run); // clears what an earlier build left in a reused directory
    const p = spawnThroughServer({ file: this.bwrap, argv, logPath, blob, cover: leakedFds(), go: early });
    const onAbort = () => p.kill();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (!early) {
        try {
          this.copyInputs(run);
        } catch (e) {
          p.kill();
          await p.exited.catch(() => {});
          throw e;
        }
        p.go();
      }
      const r = await p.exited;
      return run.signal?.aborted ? { exitCode: null, signal: 'SIGKILL' } : r;
    } finally {
      run.signal?.removeEventListener('abort', onAbort);
    }
  }

  #runDirect(run: SandboxRun, argv: string[], blob: Buffer): Promise<SandboxResult> {
    return new Promise<SandboxResult>((resolve, reject) => {
      const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', run.logFd, run.logFd, 'pipe', 'pipe'];
      for (const fd of leakedFds()) if (fd > BLOCK_FD) stdio[fd] = devNull();
      for (let i = 0; i < stdio.length; i++) stdio[i] ??= 'ignore';
      const child = spawn(this.bwrap, argv, {
        stdio,
        env: {},
        signal: run.signal,
        killSignal: 'SIGKILL',
      });
      type Pipe = NodeJS.WritableStream & { on(e: 'error', f: () => void): void; destroy(): void };
      const argsPipe = child.stdio[ARGS_FD] as Pipe | null;
      const goPipe = child.stdio[BLOCK_FD] as Pipe | null;
      // bwrap may exit before reading (reported through its status).
      argsPipe?.on('error', () => {});
      goPipe?.on('error', () => {});
      argsPipe?.end(blob);
      let copyError: unknown;
      try {
        this.copyInputs(run);
      } catch (e) {
        copyError = e;
        child.kill('SIGKILL');
      }
      if (copyError === undefined) goPipe?.end(Buffer.of(1));
      child.once('error', (e) => {
        goPipe?.destroy();
        if ((e as NodeJS.ErrnoException).code === 'ABORT_ERR') resolve({ exitCode: null, signal: 'SIGKILL' });
        else reject(new BuildError('E_SANDBOX', `cannot start bwrap: ${(e as Error).message}`, { cause: e }));
      });
      child.once('exit', () => goPipe?.destroy());
      child.once('close', (exitCode, signal) => {
        if (copyError !== undefined) reject(copyError);
        else resolve({ exitCode, signal });
      });
    });
  }
}

/** Where bwrap reads its options (`--args`) and the byte that lets the builder start (`--block-fd`). */
const ARGS_FD = 3;
const BLOCK_FD = 4;

/** A byte string as the JS string whose UTF-8 encoding is those bytes (lossy if not UTF-8). */
function utf8Of(s: string): string {
  return /[\x80-\xff]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

let leaked: number[] | undefined;
let devNullFd: number | undefined;

/**
 * File descriptors this process inherited without close-on-exec. Node opens its own with
 * O_CLOEXEC, but one inherited from the shell would pass through bwrap into the sandbox
 * (Nix closes every fd but 0-2 in the child), so each is covered with /dev/null.
 */
function leakedFds(): number[] {
  if (leaked) return leaked;
  leaked = [];
  try {
    for (const n of readdirSync('/proc/self/fdinfo')) {
      const fd = Number(n);
      if (fd < 3) continue;
      try {
        const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${n}`, 'utf8'));
        if (m && (parseInt(m[1]!, 8) & 0o2000000) === 0) leaked.push(fd);
      } catch {
        // closed meanwhile (the directory listing's own fd)
      }
    }
  } catch {
    // no procfs: nothing we can check
  }
  return leaked;
}

function devNull(): number {
  devNullFd ??= openSync('/dev/null', 'r');
  return devNullFd;
}
