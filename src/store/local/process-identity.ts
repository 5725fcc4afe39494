/**
 * Who holds a lock or a temp root, in a form that outlives the holder's connection to the
 * DB owner: `<pid>.<start time>.<nonce>`. The start time (field 22 of /proc/PID/stat, in
 * clock ticks since boot) tells a live holder from a new process that reused its PID; the
 * nonce tells apart two store handles in one process.
 *
 * Liveness is what makes these locks behave like fcntl locks, which die with their
 * process: whoever owns the DB drops the entries of holders that are no longer alive.
 * All tix processes sharing a store must see one another's PIDs (one PID namespace).
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface HolderId {
  readonly pid: number;
  /** Start time of the process in clock ticks after boot, or 0 when unknown. */
  readonly start: number;
  readonly nonce: string;
}

/** Start time of process `pid`, or undefined when it does not exist. */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    return processExistsBySignal(pid) ? 0 : undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); a zombie has already exited.
  if (fields[0] === 'Z') return undefined;
  return Number(fields[19]);
}

function processExistsBySignal(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let selfStart: number | undefined;

/** A fresh holder id for this process. */
export function newHolderId(): HolderId {
  selfStart ??= processStartTime(process.pid) ?? 0;
  return { pid: process.pid, start: selfStart, nonce: randomBytes(4).toString('hex') };
}

export function formatHolderId(h: HolderId): string {
  return `${h.pid}.${h.start}.${h.nonce}`;
}

export function parseHolderId(s: string): HolderId | undefined {
  const m = /^([0-9]+)\.([0-9]+)\.([0-9a-f]+)$/.exec(s);
  return m ? { pid: Number(m[1]), start: Number(m[2]), nonce: m[3]! } : undefined;
}

/** True while the process named by `holder` runs (same PID and same start time). */
export function holderAlive(holder: string | HolderId): boolean {
  const h = typeof holder === 'string' ? parseHolderId(holder) : holder;
  if (!h) return false;
  const start = processStartTime(h.pid);
  if (start === undefined) return false;
  return h.start === 0 || start === 0 || start === h.start;
}
