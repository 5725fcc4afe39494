/**
 * NAR operations on filesystem paths, the helpers the store and the CLI call:
 * dump a path as a NAR stream, hash a path's NAR without materialising it, restore a NAR
 * stream to a path, and hash a file's contents (flat). Nix: `dumpPath`, `hashPath`,
 * `restorePath`, `hashFile`.
 */

import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { HashAlgo } from '../../hash/algo.ts';
import { Hasher } from '../../hash/digest.ts';
import type { Hash } from '../../hash/hash.ts';
import { NarParser, type NarReaderOptions } from '../nar/reader.ts';
import type { NarLimits } from '../nar/wire.ts';
import { NarWriter, narWriterBufferSize } from '../nar/writer.ts';
import type { RefScanner } from '../refscan.ts';
import { FsRestoreSink } from './fs-sink.ts';
import { type FsPath, fsNode, READ_SIZE } from './fs-source.ts';
import { sysError } from './sys-error.ts';

export interface DumpOptions {
  readonly limits?: Partial<NarLimits>;
  /**
   * Reuse the writer's and the reader's buffers: each chunk is then valid only until the
   * next one is pulled. Default false (every chunk may be kept).
   */
  readonly reuseBuffers?: boolean;
}

/** The NAR serialisation of `path`, streamed. Nix: `dumpPath` / `nix-store --dump`. */
export function dumpPath(path: FsPath, options: DumpOptions = {}): AsyncIterable<Uint8Array> {
  const reuse = options.reuseBuffers ?? false;
  return new NarWriter(fsNode(path, { reuseBuffers: reuse }), { limits: options.limits, reuseBuffer: reuse, rootName: String(path) });
}

export interface HashPathResult {
  /** Hash of the NAR serialisation. */
  readonly hash: Hash;
  /** Size of the NAR serialisation in bytes. */
  readonly narSize: number;
}

export interface HashPathOptions {
  readonly limits?: Partial<NarLimits>;
  /** Also scan the NAR for references (one pass over the bytes for both jobs). */
  readonly scanner?: RefScanner;
}

/**
 * Hash the NAR serialisation of `path` (NAR hash and size) without building the NAR:
 * framing and small files go through one reused buffer, large files straight from the
 * reads into the hasher. Nix: `hashPath(..., FileIngestionMethod::NixArchive)`.
 */
export async function hashPath(path: FsPath, algo: HashAlgo = 'sha256', options: HashPathOptions = {}): Promise<HashPathResult> {
  // Every chunk is consumed before the next is pulled, so the buffer can serve the next call.
  const buffer = spareBuffers.pop() ?? new Uint8Array(narWriterBufferSize());
  const writer = new NarWriter(fsNode(path, { reuseBuffers: true }), { limits: options.limits, reuseBuffer: true, buffer, rootName: String(path) });
  const h = new Hasher(algo);
  const scanner = options.scanner;
  try {
    for (;;) {
      let c = writer.next();
      if (c instanceof Promise) c = await c;
      if (c === undefined) break;
      h.update(c);
      scanner?.update(c);
    }
  } catch (e) {
    await writer.close();
    throw e;
  } finally {
    if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
  }
  return { hash: h.digest(), narSize: writer.size };
}

/**
 * Writer buffers of finished `hashPath` calls (a megabyte each): a build hashes every
 * output, and a fresh zeroed megabyte per output showed up as much as the hashing itself.
 */
const spareBuffers: Uint8Array[] = [];
const MAX_SPARE_BUFFERS = 2;

/** Hash a file's contents (following symlinks). Nix: `hashFile` / `nix hash file`. */
export function hashFile(path: FsPath, algo: HashAlgo = 'sha256'): Hash {
  const h = new Hasher(algo);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (e) {
    return sysError(e, 'opening file', path);
  }
  try {
    const buf = new Uint8Array(READ_SIZE); // cache-sized, as fs-source.ts reads
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } catch (e) {
    return sysError(e, 'reading file', path);
  } finally {
    closeSync(fd);
  }
  return h.digest();
}

export interface RestoreOptions extends Omit<NarReaderOptions, 'allowTrailing'> {
  /** Also hash the NAR while restoring it. */
  readonly hashAlgo?: HashAlgo;
  /** Create files with their store modes and mtime at once (FsRestoreSink's `canonical`). */
  readonly canonical?: boolean;
}

export interface RestoreResult {
  readonly narSize: number;
  /** Present when `hashAlgo` was given. */
  readonly hash?: Hash;
}

/**
 * Restore a NAR stream to `path`, which must not exist. On a malformed NAR the partial
 * tree is left for the caller to remove (restore into a temporary path). Nix: `restorePath`.
 */
export async function restorePath(
  path: FsPath,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const sink = new FsRestoreSink(path, { canonical: options.canonical ?? false });
  const parser = new NarParser(sink, options);
  const h = options.hashAlgo ? new Hasher(options.hashAlgo) : undefined;
  try {
    for await (const chunk of source) {
      h?.update(chunk);
      parser.push(chunk);
    }
    parser.end();
  } finally {
    sink.abort();
  }
  return h ? { narSize: parser.offset, hash: h.digest() } : { narSize: parser.offset };
}
