/**
 * Request/reply over Node's IPC channel between the soak orchestrator and its worker
 * processes (each hosting several nodes). A worker answers `{ id, op, ...params }` with
 * `{ id, ok, value | error }`; every call has a deadline, so a stuck worker fails the run
 * instead of hanging it.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

type Handler = (params: Record<string, unknown>) => Promise<unknown>;

/** In a worker: answer the orchestrator's calls with `handlers`; exits when the channel closes. */
export function serveCalls(handlers: Record<string, Handler>): void {
  process.on('message', (m: { id: number; op: string; params: Record<string, unknown> }) => {
    const h = handlers[m.op];
    const reply = (r: object): void => { process.send?.({ id: m.id, ...r }); };
    if (!h) return reply({ ok: false, error: `unknown op ${m.op}` });
    h(m.params).then((value) => reply({ ok: true, value }), (e: Error) => reply({ ok: false, error: e.stack ?? e.message }));
  });
  process.on('disconnect', () => process.exit(0));
}

export class WorkerProcess {
  readonly child: ChildProcess;
  #next = 0;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #log = '';

  constructor(script: string, env: NodeJS.ProcessEnv = {}) {
    this.child = fork(script, [], { execArgv: ['--no-warnings'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env: { ...process.env, ...env } });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.#log = (this.#log + d).slice(-20_000); });
    this.child.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (m.ok) p?.resolve(m.value);
      else p?.reject(new Error(m.error));
    });
    this.child.on('exit', (code, signal) => {
      for (const p of this.#pending.values()) p.reject(new Error(`worker exited (${code ?? signal}) ${this.#log.slice(-2000)}`));
      this.#pending.clear();
    });
  }

  /** Last lines the worker wrote to stderr. */
  get log(): string {
    return this.#log;
  }

  call<T>(op: string, params: Record<string, unknown> = {}, timeoutMs = 600_000): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => { this.#pending.delete(id); reject(new Error(`worker call ${op} timed out after ${timeoutMs} ms`)); }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => { clearTimeout(t); resolve(v as T); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
      this.child.send({ id, op, params });
    });
  }

  /** Close the channel (the worker exits), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    this.child.disconnect();
    await exited;
    clearTimeout(t);
  }
}

/** Peak and current resident set of a process, in MiB, from /proc (Linux). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMiB: NaN, peakMiB: NaN };
  }
}
