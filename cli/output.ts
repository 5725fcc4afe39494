/**
 * The only place that renders errors for humans: `error: <message>` on stderr, plus
 * whatever location the error carries. Data goes to stdout, messages to stderr.
 */

import { writeSync } from 'node:fs';

/** Write bytes or text to stdout synchronously (keeps ordering with stderr, handles EPIPE). */
export function writeStdout(data: string | Uint8Array): void {
  writeAll(1, data);
}

export function writeStderr(data: string | Uint8Array): void {
  writeAll(2, data);
}

function writeAll(fd: number, data: string | Uint8Array): void {
  let buf = typeof data === 'string' ? Buffer.from(data) : data;
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') process.exit(0);
      throw e;
    }
  }
}

/** `error: ...` with the error's location when it has one. */
export function renderError(e: unknown): string {
  if (!(e instanceof Error)) return `error: ${String(e)}\n`;
  const rendered = (e as { render?: () => string }).render;
  if (typeof rendered === 'function') return rendered.call(e);
  const where: string[] = [];
  const x = e as { whence?: string; offset?: number; line?: number; storePath?: string; peer?: string };
  if (x.whence) where.push(x.whence);
  if (typeof x.line === 'number') where.push(`line ${x.line}`);
  if (typeof x.offset === 'number') where.push(`byte ${x.offset}`);
  if (x.peer) where.push(`peer ${x.peer}`);
  const suffix = where.length ? ` (${where.join(', ')})` : '';
  return `error: ${e.message}${suffix}\n`;
}

export function printError(e: unknown): void {
  writeStderr(renderError(e));
  if (process.env.TIX_DEBUG && e instanceof Error && e.stack) writeStderr(e.stack + '\n');
}
