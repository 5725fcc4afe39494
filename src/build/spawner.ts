/**
 * Starting bubblewrap through a small helper process (spawn-server.mjs) instead of forking
 * tix itself. libuv forks to spawn: the fork copies tix's page tables, which grow with its
 * heap (the evaluator's, in `tix build`), and blocks the event loop until the child has
 * exec'd — measured at 4-7 ms per build on a busy 2-core machine, on the one thread that
 * also prepares and finishes every other build. The helper has a small heap, so its fork is
 * cheap, and it forks on its own thread.
 *
 * One helper per process, started on first use; it is unreferenced while idle, so it never
 * keeps tix alive, and exits when tix does. If it cannot be started, or dies, the builds
 * it was running fail (their sandboxes die with it: --die-with-parent) and the next one
 * starts a new helper.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BuildError } from './errors.ts';

const SERVER = fileURLToPath(new URL('./spawn-server.mjs', import.meta.url));

export interface SpawnRequest {
  readonly file: string;
  readonly argv: readonly string[];
  /** The log file: the process's stdout and stderr append to it. */
  readonly logPath: string;
  /** Written to a pipe on the process's fd 3. */
  readonly blob: Uint8Array;
  /** Descriptors to cover with /dev/null (inherited without close-on-exec). */
  readonly cover: readonly number[];
  /** Let the process go on at once (`go()` then does nothing more). */
  readonly go?: boolean;
}

export interface SpawnedProcess {
  /** Let the process go on (a byte on the pipe at its fd 4). */
  go(): void;
  kill(): void;
  /** Settles when it has exited: its exit code or signal; rejects if it could not be started. */
  readonly exited: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
}

type Reply = { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null } | { t: 'error'; id: number; message: string };

interface Pending {
  resolve(r: { exitCode: number | null; signal: NodeJS.Signals | null }): void;
  reject(e: unknown): void;
}

let server: ChildProcess | undefined;
const pending = new Map<number, Pending>();
let nextId = 0;

function ensureServer(): ChildProcess {
  if (server) return server;
  // A small young generation: the helper allocates little, and its fork copies what it touched.
  const child = spawn(process.execPath, ['--no-warnings', '--max-semi-space-size=1', SERVER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: {},
  });
  child.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    idle();
    if (m.t === 'exit') p.resolve({ exitCode: m.code, signal: m.signal });
    else p.reject(new BuildError('E_SANDBOX', `cannot start bwrap: ${m.message}`));
  });
  const lost = (why: string) => {
    if (server === child) server = undefined;
    const e = new BuildError('E_SANDBOX', `the process that starts sandboxes ${why}`);
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  child.once('error', (e) => lost(`could not be started: ${e.message}`));
  child.once('exit', (code, signal) => lost(`exited (${signal ?? `code ${code}`})`));
  server = child;
  idle();
  return child;
}

/** Unreferenced while nothing runs, so an idle helper never keeps tix alive. */
function idle(): void {
  if (!server) return;
  const channel = server.channel as { ref(): void; unref(): void } | undefined;
  if (pending.size === 0) {
    server.unref();
    channel?.unref();
  } else {
    server.ref();
    channel?.ref();
  }
}

/** Start `req.file` through the helper; it waits on fd 4 until `go()`. */
export function spawnThroughServer(req: SpawnRequest): SpawnedProcess {
  const s = ensureServer();
  const id = ++nextId;
  const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => pending.set(id, { resolve, reject }));
  idle();
  const send = (m: object) => {
    if (s.connected) s.send(m);
  };
  if (s.connected) send({ t: 'spawn', id, file: req.file, argv: req.argv, logPath: req.logPath, blob: req.blob, cover: req.cover, go: req.go === true });
  else {
    pending.get(id)!.reject(new BuildError('E_SANDBOX', 'the process that starts sandboxes is gone'));
    pending.delete(id);
    idle();
  }
  return { go: () => send({ t: 'go', id }), kill: () => send({ t: 'kill', id }), exited };
}
