/**
 * The log of one build: the builder's stdout and stderr go straight into a file (one
 * stream, in the order written, with no copy through tix), which is read incrementally for
 * streaming and at the end for the store's log and the tail shown on failure.
 */

import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

export class BuildLog {
  readonly path: string;
  /** Write end, handed to the builder as stdout and stderr. */
  readonly fd: number;
  #readOffset = 0;
  #partial = '';
  #closed = false;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'w+', 0o644);
  }

  /** Bytes written so far. */
  size(): number {
    return fstatSync(this.fd).size;
  }

  /** Complete lines written since the last call (a trailing partial line waits, unless `flush`). */
  newLines(flush = false): string[] {
    const size = this.size();
    let text = this.#partial;
    if (size > this.#readOffset) {
      const buf = Buffer.allocUnsafe(size - this.#readOffset);
      const n = readSync(this.fd, buf, 0, buf.length, this.#readOffset);
      this.#readOffset += n;
      text += buf.subarray(0, n).toString('utf8');
    }
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    if (flush && this.#partial !== '') {
      lines.push(this.#partial);
      this.#partial = '';
    }
    return lines.map(stripCr);
  }

  /** The whole log. */
  contents(): Buffer {
    const size = this.size();
    const buf = Buffer.allocUnsafe(size);
    const n = size === 0 ? 0 : readSync(this.fd, buf, 0, size, 0);
    return buf.subarray(0, n);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.fd);
  }
}

/** The last `n` lines of a log, as Nix keeps them for a failure message (`log-lines`). */
export function logTail(log: Uint8Array, n: number): string[] {
  if (n <= 0 || log.length === 0) return [];
  const text = Buffer.from(log.buffer, log.byteOffset, log.length).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n).map(stripCr);
}

/** A progress-bar style CR rewrite shows only its last state, as a terminal would. */
function stripCr(line: string): string {
  const cr = line.lastIndexOf('\r', line.length - 2);
  return (cr >= 0 ? line.slice(cr + 1) : line).replace(/\r$/, '');
}
