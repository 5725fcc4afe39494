/**
 * Compressing NARs for a binary cache, by the `compression` Nix's binary-cache stores take:
 * `none` and `zstd` with Node's zlib, `xz` and `bzip2` through the system's `xz` and
 * `bzip2` programs (Node has no encoder for them; Debian: xz-utils, bzip2). The file
 * extensions are Nix's (`BinaryCacheStore::addToStoreCommon`).
 */

import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { createZstdCompress } from 'node:zlib';
import { InvalidValueError } from '../errors.ts';
import { cannotRun } from './decompress.ts';

/** Compressions tix writes, with the extension Nix gives the NAR file. */
export const CACHE_WRITE_EXTENSIONS = { none: '', zstd: '.zst', xz: '.xz', bzip2: '.bz2' } as const;
export type CacheWriteCompression = keyof typeof CACHE_WRITE_EXTENSIONS;
export const CACHE_WRITE_COMPRESSIONS = Object.keys(CACHE_WRITE_EXTENSIONS) as readonly CacheWriteCompression[];

/** Nix's defaults: xz preset 6, single-threaded (`parallel-compression = false`); bzip2 -9. */
const EXTERNAL: Record<'xz' | 'bzip2', [string, string[]]> = {
  xz: ['xz', ['-c', '-6', '-T1']],
  bzip2: ['bzip2', ['-c', '-9']],
};

export interface Compressor {
  /** Bytes in, compressed bytes out. */
  readonly stream: Duplex;
  /** Settles once the compressor has finished: rejects when its program failed. */
  readonly done: Promise<void>;
}

/** A compressor for `compression` (undefined for `none`); `whence` names what is compressed in errors. */
export function compressor(compression: CacheWriteCompression, whence: string): Compressor | undefined {
  if (compression === 'none') return undefined;
  if (compression === 'zstd') return { stream: createZstdCompress(), done: Promise.resolve() };
  const [program, args] = EXTERNAL[compression];
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stream = Duplex.from({ writable: child.stdin, readable: child.stdout });
  const done = new Promise<void>((resolve, reject) => {
    const fail = (e: Error): void => {
      stream.destroy(e);
      reject(e);
    };
    child.once('error', (e) => fail(cannotRun(program, `compress ${whence}`, e)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else fail(new InvalidValueError('E_COMPRESSION', `compressing ${whence} with ${program} failed: ${stderr.trim() || `exit code ${code}`}`));
    });
  });
  done.catch(() => {}); // also reported through the stream, to whoever reads it
  return { stream, done };
}
