/**
 * Import a NAR stream as a given store path, the way substituters (binary caches, peers)
 * and `tix store restore` do: "restore this NAR as path P, with this NAR hash and size;
 * verify while restoring; register atomically or leave nothing". Nix: `LocalStore::addToStore(info, source)`.
 *
 * The NAR is restored into the temp area while it is hashed; more bytes than the
 * announced size stop it at once (a lying peer cannot fill the disk); a hash or size
 * mismatch discards it with Nix's message. References must already be valid (substitute
 * a closure references first) and are temp-rooted for the duration so that a concurrent
 * GC cannot take them away.
 */

import type { Hash } from '../../hash/hash.ts';
import type { ContentAddress } from '../content-address.ts';
import type { PathInfo } from '../path-info-json.ts';
import type { ValidPathInfo } from '../path-info.ts';
import type { StorePath } from '../store-path.ts';
import { commitNew } from './add.ts';
import { canonicalisePath, deleteTree } from './canonicalise.ts';
import { StoreError } from './errors.ts';
import { checkContentAddress } from './check-ca.ts';
import { restorePath } from './nar-fs.ts';
import type { StoreContext } from './store-context.ts';

export interface ImportNarOptions {
  /** Expected NAR hash; the import fails when the stream hashes differently. */
  readonly narHash?: Hash;
  /** Expected NAR size; the import fails as soon as the stream is longer, or at the end if shorter. */
  readonly narSize?: number;
  readonly references?: readonly StorePath[];
  readonly deriver?: StorePath;
  readonly sigs?: readonly string[];
  readonly ca?: ContentAddress;
  /** Built here (so trusted without signatures). Default false. */
  readonly ultimate?: boolean;
  readonly signal?: AbortSignal;
}

/** The options that check a substitute's NAR against its path info (a narinfo's fields) and keep that info. */
export function importOptionsOf(info: Omit<ValidPathInfo, 'path'>, signal?: AbortSignal): ImportNarOptions {
  return { narHash: info.narHash, narSize: info.narSize, references: info.references, deriver: info.deriver, sigs: info.sigs, ca: info.ca, signal };
}

export interface ImportNarResult {
  readonly info: PathInfo;
  /** The path was valid already; the stream was not read. */
  readonly alreadyValid: boolean;
}

export async function importNar(
  ctx: StoreContext,
  path: StorePath,
  nar: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ImportNarOptions = {},
): Promise<ImportNarResult> {
  const printed = ctx.storeDir.printPath(path);
  const references = [...(opts.references ?? [])];
  const others = references.filter((r) => !r.equals(path));
  await ctx.db.addTempRoots([path, ...others]);
  const existing = await ctx.db.queryPathInfo(path);
  if (existing) return { info: existing, alreadyValid: true };
  const valid = await ctx.db.queryValidPaths(others);
  if (valid.length !== others.length) {
    const missing = others.find((r) => !valid.some((v) => v.equals(r)))!;
    throw new StoreError('E_REFERENCE_INVALID', `cannot import path '${printed}' because its reference '${ctx.storeDir.printPath(missing)}' is not valid`, { storePath: printed });
  }

  const tmp = ctx.temp.newPath();
  let narHash: Hash;
  let narSize: number;
  try {
    const r = await restorePath(tmp, capNar(nar, opts.narSize, printed, opts.signal), { hashAlgo: 'sha256', canonical: true });
    narHash = r.hash!;
    narSize = r.narSize;
    if (opts.narHash && !opts.narHash.equals(narHash)) {
      throw new StoreError(
        'E_NAR_HASH_MISMATCH',
        `hash mismatch importing path '${printed}';\n  specified: ${opts.narHash.toString('nix32', true)}\n  got:       ${narHash.toString('nix32', true)}`,
        { storePath: printed },
      );
    }
    if (opts.narSize !== undefined && opts.narSize !== narSize) {
      throw new StoreError('E_NAR_SIZE_MISMATCH', `size mismatch importing path '${printed}';\n  specified: ${opts.narSize}\n  got:       ${narSize}`, { storePath: printed });
    }
    if (opts.ca) await checkContentAddress(tmp, opts.ca, narHash, printed);
    canonicalisePath(tmp);
  } catch (e) {
    deleteTree(tmp);
    throw e;
  }
  const info: PathInfo = {
    path,
    narHash,
    narSize,
    references,
    deriver: opts.deriver,
    sigs: [...(opts.sigs ?? [])],
    ca: opts.ca,
    registrationTime: 0,
    ultimate: opts.ultimate ?? false,
  };
  return await commitNew(ctx, tmp, info, [], opts.signal);
}

/**
 * Pass a NAR's chunks through, stopping at the first byte past `max` (the announced NarSize)
 * before it is written, or when the signal fires: a lying peer's endless stream or a binary
 * cache's xz/zstd "decompression bomb" costs at most `max` bytes of disk.
 */
export async function* capNar(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  max: number | undefined,
  printed: string,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> {
  let n = 0;
  for await (const c of chunks) {
    signal?.throwIfAborted();
    n += c.length;
    if (max !== undefined && n > max) {
      throw new StoreError('E_NAR_SIZE_MISMATCH', `NAR of '${printed}' is longer than the ${max} bytes its path info says; stopped after ${n} bytes`, { storePath: printed });
    }
    yield c;
  }
}
