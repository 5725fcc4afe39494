/**
 * What an evaluation puts into the store. The evaluator runs synchronously and only
 * computes store paths (as Nix does in read-only mode); the host records each source,
 * text and `.drv` it computed here, and `flushStoreWrites` writes them afterwards through
 * the local store, in the order they were made (inputs before the derivations that use
 * them). Every write checks that the store arrives at the path the evaluator promised.
 */

import type { HashAlgo } from '../hash/algo.ts';
import type { Hash } from '../hash/hash.ts';
import type { LocalStore } from '../store/local/index.ts';
import type { StorePath } from '../store/store-path.ts';
import { narChunksSync, type PathFilter } from './sync-nar.ts';

export type StoreWrite =
  | { readonly kind: 'text'; readonly path: string; readonly name: string; readonly contents: Uint8Array; readonly references: readonly string[] }
  | {
      readonly kind: 'source';
      readonly path: string;
      readonly name: string;
      /** Where the files are (a latin1 byte string, as inside the evaluator). */
      readonly src: string;
      readonly method: 'nar' | 'flat';
      readonly hashAlgo: HashAlgo;
      readonly caHash: Hash;
      readonly filter?: PathFilter;
    };

/** The writes of one evaluation, once per store path. */
export class StoreWrites {
  readonly #items = new Map<string, StoreWrite>();

  record(w: StoreWrite): void {
    if (!this.#items.has(w.path)) this.#items.set(w.path, w);
  }

  get size(): number {
    return this.#items.size;
  }

  [Symbol.iterator](): IterableIterator<StoreWrite> {
    return this.#items.values();
  }
}

export class StoreWriteMismatchError extends Error {
  readonly code = 'E_EVAL_STORE_MISMATCH';
  constructor(expected: string, got: string) {
    super(`the store added '${got}' where evaluation computed '${expected}'`);
  }
}

/**
 * Write every recorded path that is not valid yet; returns how many were added. Sources
 * (which refer to nothing) go first, one by one; then every text in one commit (a `.drv`
 * refers to sources and to other texts, all valid or in that commit).
 */
export async function flushStoreWrites(store: LocalStore, writes: StoreWrites, signal?: AbortSignal): Promise<number> {
  const all = [...writes].map((w) => ({ w, path: store.storeDir.parsePath(w.path) }));
  const valid = new Set((await store.db.queryValidPaths(all.map((a) => a.path))).map((p) => p.baseName));
  const todo = all.filter((a) => !valid.has(a.path.baseName));
  for (const { w, path } of todo) {
    if (w.kind !== 'source') continue;
    const got = await writeSource(store, path, w, signal);
    if (!got.equals(path)) throw new StoreWriteMismatchError(w.path, store.printPath(got));
  }
  const texts = todo.filter((a) => a.w.kind === 'text') as { w: Extract<StoreWrite, { kind: 'text' }>; path: StorePath }[];
  if (texts.length > 0) {
    const infos = await store.addTextsToStore(
      texts.map(({ w }) => ({ name: w.name, text: w.contents, references: w.references.map((r) => store.storeDir.parsePath(r)) })),
      signal,
    );
    texts.forEach(({ w, path }, n) => {
      if (!infos[n]!.path.equals(path)) throw new StoreWriteMismatchError(w.path, store.printPath(infos[n]!.path));
    });
  }
  return todo.length;
}

async function writeSource(store: LocalStore, path: StorePath, w: Extract<StoreWrite, { kind: 'source' }>, signal: AbortSignal | undefined): Promise<StorePath> {
  const src = Buffer.from(w.src, 'latin1').toString();
  if (w.filter === undefined) return (await store.addToStore(src, { method: w.method, hashAlgo: w.hashAlgo, name: w.name, signal })).path;
  // A filtered tree: the NAR comes from the same walk (and filter) that computed its hash.
  const narHash = w.hashAlgo === 'sha256' ? w.caHash : undefined;
  const r = await store.importNar(path, narChunksSync(w.src, w.filter), { narHash, ca: { method: 'nar', hash: w.caHash }, ultimate: true, signal });
  return r.info.path;
}
