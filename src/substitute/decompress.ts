/**
 * Decompressing NARs from binary caches, by their narinfo `Compression`: `none`, `zstd`,
 * `gzip` and `br` with Node's zlib, `xz`/`lzma` and `bzip2` through the system's `xz` and
 * `bzip2` programs (Node has no decoder for them; Debian: xz-utils, bzip2).
 */

import { spawn } from 'node:child_process';
import { type Duplex, pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createZstdDecompress } from 'node:zlib';
import { InvalidValueError } from '../errors.ts';

/** Programs used for the formats zlib lacks. */
const EXTERNAL: Record<string, [string, string[]]> = {
  xz: ['xz', ['-dc']],
  lzma: ['xz', ['-dc', '--format=lzma']],
  bzip2: ['bzip2', ['-dc']],
};

/** A compression program could not be started: say which Debian package has it. */
export function cannotRun(program: string, toDo: string, e: Error): InvalidValueError {
  const pkg = program === 'xz' ? 'xz-utils' : program;
  return new InvalidValueError('E_COMPRESSION', `cannot run '${program}' to ${toDo} (install it: Debian package ${pkg}): ${e.message}`);
}

/** The decompressed bytes of `input`, compressed with `compression`. */
export function decompress(input: Readable, compression: string, whence: string): AsyncIterable<Uint8Array> {
  switch (compression === '' ? 'bzip2' : compression) {
    case 'none':
      return input;
    case 'zstd':
      return through(input, createZstdDecompress());
    case 'gzip':
      return through(input, createGunzip());
    case 'br':
      return through(input, createBrotliDecompress());
  }
  const ext = EXTERNAL[compression === '' ? 'bzip2' : compression];
  if (!ext) throw new InvalidValueError('E_COMPRESSION', `unsupported compression '${compression}' of '${whence}'`);
  return externalDecompress(input, ext[0], ext[1], whence);
}

/**
 * `input` piped into the decompressor `z`, returning `z`. Unlike `.pipe`, a failing input (a
 * connection reset mid-NAR) fails `z` with its error, so the reader sees it rather than
 * waiting for an end that never comes (and the error is not left unhandled).
 */
function through(input: Readable, z: Duplex): Duplex {
  pipeline(input, z, () => {});
  return z;
}

async function* externalDecompress(input: Readable, program: string, args: string[], whence: string): AsyncIterable<Uint8Array> {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(cannotRun(program, `decompress '${whence}'`, e)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await spawned;
  input.on('error', (e) => child.stdin.destroy(e));
  child.stdin.on('error', () => {}); // the program may exit before reading everything
  input.pipe(child.stdin);
  try {
    for await (const chunk of child.stdout) yield chunk as Uint8Array;
  } finally {
    input.destroy();
    if (child.exitCode === null) child.kill();
  }
  const code = await exited;
  if (code !== 0) throw new InvalidValueError('E_COMPRESSION', `decompressing '${whence}' with ${program} failed: ${stderr.trim() || `exit code ${code}`}`);
}
