/**
 * Child processes that report JSON lines on stdout, for multi-process tests. Every child
 * is tracked and killed by `killAll()` (call it in `after`), so a failing test leaves no
 * process behind.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const nodeBin = join(repoRoot, 'node_modules', '.bin', 'node');

const live = new Set<ChildProcess>();

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Every JSON line received so far. */
  readonly lines: Record<string, unknown>[];
  /** Wait for the first line (already received or to come) that satisfies `pred`. */
  next(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) when the child ends. */
  readonly exited: Promise<number | string>;
  stderr(): string;
  closeStdin(): void;
  kill(signal?: NodeJS.Signals): void;
}

/** Run `script` (a .ts file) on the project's Node with `args`. */
export function spawnChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(nodeBin, ['--no-warnings', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  live.add(proc);
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(line) as Record<string, unknown>;
      } catch {
        obj = { text: line };
      }
      lines.push(obj);
      for (const w of [...waiters]) {
        if (w.pred(obj)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(obj);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((r) => proc.on('exit', (code, sig) => {
    live.delete(proc);
    r(code ?? sig ?? -1);
  }));
  proc.stdin!.on('error', () => undefined);
  return {
    proc,
    pid: proc.pid!,
    lines,
    exited,
    stderr: () => err,
    next(pred, timeoutMs = 20_000) {
      const hit = lines.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child ${proc.pid} did not report in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
        const w = { pred, resolve: (l: Record<string, unknown>) => (clearTimeout(t), resolve(l)) };
        waiters.push(w);
        void exited.then(() => setTimeout(() => {
          if (waiters.includes(w)) {
            clearTimeout(t);
            reject(new Error(`child ${proc.pid} exited without reporting; stderr: ${err}`));
          }
        }, 50));
      });
    },
    closeStdin: () => proc.stdin!.end(),
    kill: (signal = 'SIGKILL') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}

/** Kill every child still running. */
export function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}
