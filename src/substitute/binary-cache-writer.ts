/**
 * Writing a Nix `file://` binary cache: what `nix copy --to file://DIR` does
 * (Nix: `BinaryCacheStore::addToStore` with a `LocalBinaryCacheStore`). For each path of the
 * closures, references first:
 *
 *   nar/<nix32 sha256 of the file>.nar[.zst|.xz|.bz2]   the NAR, compressed (`none`, `zstd`, `xz`, `bzip2`)
 *   <hash part>.narinfo                        its info (src/store/narinfo.ts prints it)
 *
 * plus `nix-cache-info` when the directory has none. Every file is written under a
 * temporary name and renamed into place, so a reader (Nix, or `tix node --serve-cache`)
 * never sees half a file; the narinfo comes last, so a narinfo always has its NAR. A path
 * whose narinfo exists already is skipped, as Nix skips paths the cache has. The NAR is
 * hashed while written and must match the store's registration: a damaged store path is
 * refused, never published.
 */

import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorMessage, InvalidValueError } from '../errors.ts';
import { Hasher } from '../hash/digest.ts';
import { printNarInfo } from '../store/narinfo.ts';
import { signPathInfo, type ValidPathInfo } from '../store/path-info.ts';
import type { SecretKey } from '../store/signature/keys.ts';
import type { StoreDir } from '../store/store-dir.ts';
import type { StorePath } from '../store/store-path.ts';
import { CACHE_WRITE_COMPRESSIONS, CACHE_WRITE_EXTENSIONS, type CacheWriteCompression, compressor } from './compress.ts';

export { CACHE_WRITE_COMPRESSIONS, type CacheWriteCompression } from './compress.ts';

/** What the writer needs of a store: the closure of paths (with infos) and their NARs. */
export interface CacheWriterStore {
  readonly storeDir: StoreDir;
  computeClosure(paths: readonly StorePath[]): Promise<ReadonlyMap<string, ValidPathInfo>>;
  narFromPath(path: StorePath): Promise<AsyncIterable<Uint8Array>>;
}

export interface WriteCacheOptions {
  /** Default `zstd` (Nix 2.8 reads it). */
  readonly compression?: CacheWriteCompression;
  /** Keys of `secret-key-files`: each adds a signature to the path's own. */
  readonly secretKeys?: readonly SecretKey[];
  /** `Priority` in a new `nix-cache-info` (default 40). */
  readonly priority?: number;
  /** Called as each path is written or found already there. */
  readonly onPath?: (path: StorePath, written: boolean) => void;
}

export interface WriteCacheResult {
  readonly written: StorePath[];
  readonly skipped: StorePath[];
}

/** Writing the cache failed: names the file or directory. */
export class BinaryCacheWriteError extends Error {
  override readonly name = 'BinaryCacheWriteError';
  readonly code: string;
  readonly file: string;
  constructor(code: string, message: string, file: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.file = file;
  }
}

let tmpCounter = 0;
/** A temporary name next to `file` (`.tmp-` prefix: never a name a reader looks up). */
function tmpName(dir: string): string {
  return join(dir, `.tmp-${process.pid}-${tmpCounter++}`);
}

/** `paths`' closures, references first, into the cache at `dir`. */
export async function writeBinaryCache(store: CacheWriterStore, paths: readonly StorePath[], dir: string, opts: WriteCacheOptions = {}): Promise<WriteCacheResult> {
  const compression = opts.compression ?? 'zstd';
  if (!CACHE_WRITE_COMPRESSIONS.includes(compression)) throw new InvalidValueError('E_CACHE_COMPRESSION', `compression '${compression}' cannot be written (tix writes ${CACHE_WRITE_COMPRESSIONS.join(', ')})`);
  const infos = await store.computeClosure(paths);
  const narDir = join(dir, 'nar');
  try {
    await mkdir(narDir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw new BinaryCacheWriteError('E_CACHE_WRITE', `cannot write the binary cache '${dir}': ${errorMessage(e)}`, dir, e);
  }
  const cacheInfo = join(dir, 'nix-cache-info');
  if (!(await exists(cacheInfo))) {
    await atomicWrite(dir, cacheInfo, `StoreDir: ${store.storeDir.dir}\nWantMassQuery: 1\nPriority: ${opts.priority ?? 40}\n`);
  }
  const result: WriteCacheResult = { written: [], skipped: [] };
  for (const info of topoSort(infos)) {
    const narinfoFile = join(dir, `${info.path.hashPart}.narinfo`);
    if (await exists(narinfoFile)) {
      result.skipped.push(info.path);
      opts.onPath?.(info.path, false);
      continue;
    }
    const nar = await writeNar(store, info, narDir, compression);
    const sigs = [...info.sigs, ...(opts.secretKeys ?? []).map((k) => signPathInfo(info, store.storeDir, k))];
    const text = printNarInfo({ ...info, sigs, url: nar.url, compression, fileHash: nar.fileHash, fileSize: nar.fileSize, extra: [] }, store.storeDir);
    await atomicWrite(dir, narinfoFile, text);
    result.written.push(info.path);
    opts.onPath?.(info.path, true);
  }
  return result;
}

/** Compress and hash the NAR into a temporary file, check it, rename it to its content name. */
async function writeNar(store: CacheWriterStore, info: ValidPathInfo, narDir: string, compression: CacheWriteCompression) {
  const tmp = tmpName(narDir);
  const narHash = new Hasher('sha256');
  const fileHash = new Hasher('sha256');
  const source = await store.narFromPath(info.path);
  async function* hashNar(): AsyncIterable<Uint8Array> {
    for await (const c of source) {
      narHash.update(c);
      yield c;
    }
  }
  async function* hashFile(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const c of chunks) {
      fileHash.update(c);
      yield c;
    }
  }
  const out = createWriteStream(tmp, { flags: 'wx' });
  const print = store.storeDir.printPath(info.path);
  try {
    const z = compressor(compression, `the NAR of '${print}'`);
    if (z) await Promise.all([pipeline(hashNar, z.stream, hashFile, out), z.done]);
    else await pipeline(hashNar, hashFile, out);
    if (narHash.size !== info.narSize || !narHash.digest().equals(info.narHash)) {
      throw new BinaryCacheWriteError('E_CACHE_NAR_MISMATCH', `path '${print}' does not match its registered NAR hash or size (run 'tix store verify')`, print);
    }
    const fh = fileHash.digest();
    const url = `nar/${fh.toString('nix32', false)}.nar${CACHE_WRITE_EXTENSIONS[compression]}`;
    await rename(tmp, join(narDir, url.slice('nar/'.length)));
    return { url, fileHash: fh, fileSize: fileHash.size };
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof BinaryCacheWriteError) throw e;
    throw new BinaryCacheWriteError('E_CACHE_WRITE', `cannot write the NAR of '${store.storeDir.printPath(info.path)}' to '${narDir}': ${errorMessage(e)}`, narDir, e);
  }
}

async function atomicWrite(dir: string, file: string, text: string): Promise<void> {
  const tmp = tmpName(dir);
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new BinaryCacheWriteError('E_CACHE_WRITE', `cannot write '${file}': ${errorMessage(e)}`, file, e);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Infos ordered so that every path comes after the paths it refers to (self-references aside). */
function topoSort(infos: ReadonlyMap<string, ValidPathInfo>): ValidPathInfo[] {
  const out: ValidPathInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (base: string): void => {
    if (state.has(base)) return;
    state.set(base, 'visiting');
    const info = infos.get(base)!;
    for (const r of info.references) if (r.baseName !== base && infos.has(r.baseName)) visit(r.baseName);
    state.set(base, 'done');
    out.push(info);
  };
  // Sorted start order: the same closure is written in the same order every time.
  for (const base of [...infos.keys()].sort()) visit(base);
  return out;
}
