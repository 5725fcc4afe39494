/**
 * Child process that starts bubblewrap for its parent: `node spawn-server.mjs`, with an IPC
 * channel (advanced serialization). Forking copies the forking process's page tables and
 * blocks its thread until the child has exec'd; from a tix process with a large heap that
 * is several milliseconds per build on the thread that schedules every build. This small
 * process forks cheaply, and off that thread. Protocol (spawner.ts is the other side):
 *
 *   → { t: 'spawn', id, file, argv, logPath, blob, cover, go }
 *        start `file argv` with stdin /dev/null, stdout and stderr appending to logPath,
 *        `blob` written to a pipe on fd 3 (bwrap's --args), a pipe on fd 4 (--block-fd)
 *        held open (or, with `go`, given its byte at once), every fd in `cover`
 *        (descriptors inherited without close-on-exec) covered with /dev/null, an empty
 *        environment
 *   → { t: 'go', id }      write the byte on fd 4 that lets the builder start
 *   → { t: 'kill', id }    SIGKILL the process (it is still blocked on fd 4, or running)
 *   ← { t: 'exit', id, code, signal }  once it has exited and its pipes are closed
 *   ← { t: 'error', id, message }      it could not be started
 *
 * When the parent goes away (the channel closes, e.g. tix was killed), this process exits,
 * and bwrap's --die-with-parent takes every sandbox with it.
 *
 * Plain JavaScript (type-checked through JSDoc): a .ts entry makes Node load its TypeScript
 * stripper, which triples this process's heap (8 -> 21 MB), and the heap is what a fork copies.
 */

// @ts-check

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/**
 * @typedef {{ t: 'spawn', id: number, file: string, argv: string[], logPath: string, blob: Uint8Array, cover: number[], go: boolean }} SpawnRequest
 * @typedef {SpawnRequest | { t: 'go', id: number } | { t: 'kill', id: number }} Request
 * @typedef {import('node:stream').Writable} Pipe
 */

/** @type {Map<number, { child: import('node:child_process').ChildProcess, go: Pipe }>} */
const running = new Map();

/** @param {object} m */
function send(m) {
  process.send?.(m);
}

/** @param {SpawnRequest} r */
function start(r) {
  let logFd;
  try {
    logFd = openSync(r.logPath, 'a');
  } catch (e) {
    send({ t: 'error', id: r.id, message: /** @type {Error} */ (e).message });
    return;
  }
  /** @type {(number | 'ignore' | 'pipe')[]} */
  const stdio = ['ignore', logFd, logFd, 'pipe', 'pipe'];
  for (const fd of r.cover) if (fd > 4) stdio[fd] = 'ignore';
  for (let i = 0; i < stdio.length; i++) stdio[i] ??= 'ignore';
  let child;
  try {
    child = spawn(r.file, r.argv, { stdio, env: {}, killSignal: 'SIGKILL' });
  } finally {
    closeSync(logFd);
  }
  const args = /** @type {Pipe | null} */ (child.stdio[3]);
  const go = /** @type {Pipe | null} */ (child.stdio[4]);
  // The process may exit before reading (its status says why).
  args?.on('error', () => {});
  go?.on('error', () => {});
  args?.end(Buffer.from(r.blob.buffer, r.blob.byteOffset, r.blob.byteLength));
  let failed = false;
  child.once('error', (e) => {
    failed = true;
    go?.destroy();
    running.delete(r.id);
    send({ t: 'error', id: r.id, message: e.message });
  });
  child.once('exit', () => go?.destroy());
  child.once('close', (code, signal) => {
    running.delete(r.id);
    if (!failed) send({ t: 'exit', id: r.id, code, signal });
  });
  if (go) running.set(r.id, { child, go });
  if (r.go) go?.end(Buffer.of(1));
}

process.on('message', (/** @type {Request} */ m) => {
  if (m.t === 'spawn') start(m);
  else if (m.t === 'go') running.get(m.id)?.go.end(Buffer.of(1));
  else if (m.t === 'kill') running.get(m.id)?.child.kill('SIGKILL');
});

process.on('disconnect', () => {
  for (const { child } of running.values()) child.kill('SIGKILL');
  process.exit(0);
});
