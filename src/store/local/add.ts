/**
 * Adding content to the store (Nix: `LocalStore::addToStore`, `addTextToStore`):
 *
 *   source ──dump──▶ NAR ──┬─▶ restore into .tix-tmp/T-… ─▶ canonicalise
 *                          ├─▶ sha256 (NAR hash, size)
 *                          └─▶ content-address hash, when it is not the NAR hash
 *                              (flat: of the file's bytes as they are read)
 *   content address → store path → temp root + lock → rename into place + one DB batch
 *
 * The source is read once (no second pass over the copy for any method or algorithm);
 * what is hashed is exactly what is written. The path follows
 * from the content: `nar` (Nix's "recursive") with sha256 is a `source` path, any other
 * method or algorithm a `fixed:out:` path, as `nix-store --add` / `--add-fixed` make them.
 */

import { lstatSync } from 'node:fs';
import { basename } from 'node:path';
import type { HashAlgo } from '../../hash/algo.ts';
import { hashBytes, Hasher } from '../../hash/digest.ts';
import type { Hash } from '../../hash/hash.ts';
import { type ContentAddressMethod } from '../content-address.ts';
import { parseDerivation } from '../drv/aterm-parse.ts';
import { derivationOutputPaths } from '../drv/output-paths.ts';
import { narBytes, NarWriter } from '../nar/writer.ts';
import { type NarRegular, regularNode } from '../nar/source.ts';
import type { PathInfo } from '../path-info-json.ts';
import { checkStorePathName, DRV_EXTENSION, type StorePath } from '../store-path.ts';
import { canonicalisePath, deleteTree } from './canonicalise.ts';
import type { DrvOutputMapping } from './db-records.ts';
import { StoreError } from './errors.ts';
import { fsNode } from './fs-source.ts';
import { restorePath } from './nar-fs.ts';
import type { StoreContext } from './store-context.ts';
import type { CommitResult } from './temp-area.ts';

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
    // The content address is computed in the same pass as the copy: of the file's bytes
    // (flat), of the NAR (nar with another algorithm), or it is the NAR hash itself.
    const caHasher = method === 'flat' || algo !== 'sha256' ? new Hasher(algo) : undefined;
    const node = fsNode(src, { reuseBuffers: true });
    const source = method === 'flat' ? hashingContents(node as NarRegular, caHasher!) : node;
    const nar = new NarWriter(source, { reuseBuffer: true, rootName: src });
    // Files are created with their store modes and mtime (as importNar's are): canonicalising
    // then has only the directories left to do.
    const r = await restorePath(tmp, tee(nar, method === 'nar' ? caHasher : undefined, opts.signal), { hashAlgo: 'sha256', canonical: true });
    narHash = r.hash!;
    narSize = r.narSize;
    canonicalisePath(tmp);
    opts.signal?.throwIfAborted();
    caHash = caHasher ? caHasher.digest() : narHash;
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
  return (await addTextsToStore(ctx, [{ name, text, references }], signal))[0]!;
}

export interface TextToAdd {
  readonly name: string;
  readonly text: Uint8Array | string;
  readonly references?: readonly StorePath[];
}

/**
 * `addTextToStore` for many texts at once (an evaluation's `.drv` files): one temp-root
 * batch, one lock batch, one marker and one registration batch for all of them, instead
 * of four DB round trips, a marker and a temporary file renamed into place per text (each
 * file is written in place under its lock: TempArea.createFiles). A text may refer to
 * another of the same call. Returns their infos, in order.
 */
export async function addTextsToStore(ctx: StoreContext, texts: readonly TextToAdd[], signal?: AbortSignal): Promise<PathInfo[]> {
  const items = texts.map((t) => {
    checkName(t.name);
    const bytes = typeof t.text === 'string' ? Buffer.from(t.text, 'utf8') : t.text;
    const hash = hashBytes('sha256', bytes);
    const references = t.references ?? [];
    return { name: t.name, bytes, hash, references, path: ctx.storeDir.makeTextPath(t.name, hash, references) };
  });
  const paths = items.map((i) => i.path);
  const existing = await ctx.db.queryPathInfos(paths);
  const infos: (PathInfo | undefined)[] = [...existing];
  const todo = items.filter((_, n) => !existing[n]);
  if (todo.length === 0) {
    await ctx.db.addTempRoots(paths);
    return infos as PathInfo[];
  }
  const outputs: DrvOutputMapping[] = [];
  const made = new Map<string, { info: PathInfo; contents: Uint8Array }>();
  const registrationTime = Math.floor(Date.now() / 1000);
  for (const i of todo) {
    if (made.has(i.path.baseName)) continue; // the same text twice
    if (i.name.endsWith(DRV_EXTENSION)) {
      const drv = parseDerivation(i.bytes, { name: i.name.slice(0, -DRV_EXTENSION.length), storeDir: ctx.storeDir, whence: i.name });
      for (const [output, p] of derivationOutputPaths(drv, ctx.storeDir)) if (p) outputs.push({ drv: i.path, output, path: p });
    }
    const nar = narBytes(regularNode(i.bytes));
    const info: PathInfo = {
      path: i.path,
      narHash: hashBytes('sha256', nar),
      narSize: nar.length,
      references: [...i.references],
      sigs: [],
      ca: { method: 'text' as ContentAddressMethod, hash: i.hash },
      registrationTime,
      ultimate: false,
    };
    made.set(i.path.baseName, { info, contents: i.bytes });
  }
  await ctx.db.addTempRoots(paths);
  const names = [...made.keys()];
  await ctx.db.lockPaths(names, { signal });
  try {
    const unique = [...made.values()];
    const fresh = await ctx.temp.createFiles(ctx.db, unique, outputs);
    // Paths another process made valid meanwhile keep that process's info.
    const raced = unique.filter((_, n) => !fresh[n]).map((m) => m.info.path);
    const theirs = raced.length === 0 ? [] : await ctx.db.queryPathInfos(raced);
    const byBase = new Map(unique.map((m) => [m.info.path.baseName, m.info]));
    raced.forEach((p, n) => byBase.set(p.baseName, theirs[n]!));
    items.forEach((i, n) => (infos[n] ??= byBase.get(i.path.baseName)));
    return infos as PathInfo[];
  } finally {
    await ctx.db.unlockPaths(names);
  }
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

/** Pass chunks through (also into `hasher`), stopping with the signal's reason once it is aborted. */
async function* tee(chunks: AsyncIterable<Uint8Array>, hasher: Hasher | undefined, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> {
  for await (const c of chunks) {
    signal?.throwIfAborted();
    hasher?.update(c);
    yield c;
  }
}

/** `file` with every byte of its contents also fed to `hasher` (the flat content hash). */
function hashingContents(file: NarRegular, hasher: Hasher): NarRegular {
  const readAll = file.readAll;
  return {
    ...file,
    async *contents() {
      for await (const c of file.contents()) {
        hasher.update(c);
        yield c;
      }
    },
    readAll: readAll && ((buf, offset) => {
      const n = readAll.call(file, buf, offset);
      hasher.update(buf.subarray(offset, offset + n));
      return n;
    }),
  };
}
