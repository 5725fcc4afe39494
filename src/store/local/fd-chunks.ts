/**
 * Read a file descriptor (stdin, a pipe, a file) as chunks with large synchronous reads:
 * one 1 MiB read costs far less than the 64 KiB stream chunks `process.stdin` delivers.
 * A non-blocking descriptor that has no data yet is polled after a short pause.
 */

import { readSync } from 'node:fs';

export interface FdChunksOptions {
  /** Bytes per read; default 1 MiB. */
  readonly chunkSize?: number;
  /** Reuse one buffer: each chunk is valid only until the next is pulled. Default false. */
  readonly reuseBuffer?: boolean;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Chunks read from `fd` until end of file. */
export async function* readFdChunks(fd: number, options: FdChunksOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const size = options.chunkSize ?? 1 << 20;
  const reuse = options.reuseBuffer ?? false;
  let buf = new Uint8Array(size);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, size, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        await pause(1);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === 'EOF') return;
      throw e;
    }
    if (n === 0) return;
    yield buf.subarray(0, n);
    if (!reuse) buf = new Uint8Array(size);
  }
}
