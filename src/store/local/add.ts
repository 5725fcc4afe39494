/**
 * Adding content to the store (Nix: `LocalStore::addToStore`, `addTextToStore`):
 *
 *   source ──dump──▶ NAR ──┬─▶ restore into .tix-tmp/T-… ─▶ canonicalise
 *                          └─▶ sha256 (NAR hash, size)
 *   content address → store path → temp root + lock → rename into place + one DB batch
 *
 * The source is read once; what is hashed is exactly what is written. The path follows
 * from the content: `nar` (Nix's "recursive") with sha256 is a `source` path, any other
 * method or algorithm a `fixed:out:` path, as `nix-store --add` / `--add-fixed` make them.
 */

import { lstatSync } from 'node:fs';
import { basename } from 'node:path';
import type { HashAlgo } from '../../hash/algo.ts';
import { hashBytes } from '../../hash/digest.ts';
import type { Hash } from '../../hash/hash.ts';
import { type ContentAddressMethod } from '../content-address.ts';
import { parseDerivation } from '../drv/aterm-parse.ts';
import { derivationOutputPaths } from '../drv/output-paths.ts';
import { narBytes } from '../nar/writer.ts';
import { regularNode } from '../nar/source.ts';
import type { PathInfo } from '../path-info-json.ts';
import { checkStorePathName, DRV_EXTENSION, type StorePath } from '../store-path.ts';
import { canonicalisePath, deleteTree } from './canonicalise.ts';
import type { DrvOutputMapping } from './db-records.ts';
import { StoreError } from './errors.ts';
import { dumpPath, hashFile, hashPath, restorePath } from './nar-fs.ts';
import type { StoreContext } from './store-context.ts';
import type { CommitResult } from './temp-area.ts';
import { writeFileSync } from 'node:fs';

export interface AddToStoreOptions {
  /** `nar` (a tree, Nix's "recursive") or `flat` (one regular file). Default `nar`. */
  readonly method?: 'nar' | 'flat';
  /** Algorithm of the content address; default sha256. */
  readonly hashAlgo?: HashAlgo;
  /** Store path name; default the source's base name. */
  readonly name?: string;
  readonly signal?: AbortSignal;
}

/** Add the file or tree at `src` (not following a symlink at `src`). */
export async function addToStore(ctx: StoreContext, src: string, opts: AddToStoreOptions = {}): Promise<PathInfo> {
  const method = opts.method ?? 'nar';
  const algo = opts.hashAlgo ?? 'sha256';
  const name = opts.name ?? basename(src);
  checkName(name);
  let st;
  try {
    st = lstatSync(src);
  } catch (e) {
    throw new StoreError('E_ADD_SOURCE', `getting status of '${src}': ${(e as Error).message}`, { cause: e });
  }
  if (method === 'flat' && !st.isFile()) throw new StoreError('E_ADD_SOURCE', `cannot add '${src}' as a flat file: it is not a regular file`);

  const tmp = ctx.temp.newPath();
  let narHash: Hash;
  let narSize: number;
  let caHash: Hash;
  try {
    const r = await restorePath(tmp, abortable(dumpPath(src, { reuseBuffers: true }), opts.signal), { hashAlgo: 'sha256' });
    narHash = r.hash!;
    narSize = r.narSize;
    canonicalisePath(tmp);
    opts.signal?.throwIfAborted();
    if (method === 'flat') caHash = hashFile(tmp, algo);
    else caHash = algo === 'sha256' ? narHash : (await hashPath(tmp, algo)).hash;
  } catch (e) {
    deleteTree(tmp);
    throw e;
  }
  const path = ctx.storeDir.makeFixedOutputPath(name, method, caHash);
  const info: PathInfo = { path, narHash, narSize, references: [], sigs: [], ca: { method, hash: caHash }, registrationTime: 0, ultimate: false };
  return (await commitNew(ctx, tmp, info, [], opts.signal)).info;
}

/**
 * Add `text` as a text path with `references` (derivations, `builtins.toFile`). A `.drv`
 * also records its output paths. Nix: `addTextToStore` / `writeDerivation`.
 */
export async function addTextToStore(ctx: StoreContext, name: string, text: Uint8Array | string, references: readonly StorePath[] = [], signal?: AbortSignal): Promise<PathInfo> {
  checkName(name);
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const hash = hashBytes('sha256', bytes);
  const path = ctx.storeDir.makeTextPath(name, hash, references);
  const existing = await ctx.db.queryPathInfo(path);
  if (existing) {
    await ctx.db.addTempRoots([path]);
    return existing;
  }
  const outputs: DrvOutputMapping[] = [];
  if (name.endsWith(DRV_EXTENSION)) {
    const drv = parseDerivation(bytes, { name: name.slice(0, -DRV_EXTENSION.length), storeDir: ctx.storeDir, whence: name });
    for (const [output, p] of derivationOutputPaths(drv, ctx.storeDir)) if (p) outputs.push({ drv: path, output, path: p });
  }
  const nar = narBytes(regularNode(bytes));
  const tmp = ctx.temp.newPath();
  writeFileSync(tmp, bytes, { mode: 0o444 });
  canonicalisePath(tmp);
  const info: PathInfo = {
    path,
    narHash: hashBytes('sha256', nar),
    narSize: nar.length,
    references: [...references],
    sigs: [],
    ca: { method: 'text' as ContentAddressMethod, hash },
    registrationTime: 0,
    ultimate: false,
  };
  return (await commitNew(ctx, tmp, info, outputs, signal)).info;
}

/** Temp-root and lock `info.path`, then move `tmp` into place and register it. */
export async function commitNew(ctx: StoreContext, tmp: string, info: PathInfo, outputs: readonly DrvOutputMapping[], signal?: AbortSignal): Promise<CommitResult> {
  const full: PathInfo = { ...info, registrationTime: Math.floor(Date.now() / 1000) };
  try {
    await ctx.db.addTempRoots([info.path]);
    await ctx.db.lockPaths([info.path.baseName], { signal });
  } catch (e) {
    deleteTree(tmp);
    throw e;
  }
  try {
    return await ctx.temp.commit(ctx.db, tmp, full, outputs);
  } finally {
    await ctx.db.unlockPaths([info.path.baseName]);
  }
}

function checkName(name: string): void {
  const why = checkStorePathName(name);
  if (why) throw new StoreError('E_BAD_NAME', `invalid store path name: ${why}`);
}

/** Pass chunks through, stopping with the signal's reason once it is aborted. */
async function* abortable(chunks: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> {
  for await (const c of chunks) {
    signal?.throwIfAborted();
    yield c;
  }
}
