/**
 * The node's view of a real LocalStore (src/store/local): the valid paths it may announce
 * and serve (`PathInfoSource`), their NARs dumped from the store tree (`NarSource`), and
 * registrations and invalidations by any process of the store turned into path events, so
 * a path built by `tix build` or added by `tix store add` is announced within seconds.
 *
 * Narinfos are printed with the path's own signatures only: the node signs nothing it did
 * not build or verify (it serves what the store holds; the client checks the signatures).
 */

import { type LocalStore, dumpPath } from '../src/store/local/index.ts';
import { printNarInfo, type PathInfo, type StorePath } from '../src/store/index.ts';
import type { AbortOptions, NarSource, NarStream, OpenNarOptions, PathEvent, PathInfoSource, ServedPathInfo } from '../src/substitute/index.ts';
import type { Logger } from './log.ts';

/** Paths read from the DB per page while listing. */
const PAGE = 2048;

export class LocalStoreSource implements PathInfoSource, NarSource {
  readonly #store: LocalStore;
  readonly #log: Logger;
  readonly #listeners = new Set<(e: PathEvent) => void>();
  readonly #events = new AbortController();
  #watching: Promise<void> | undefined;

  constructor(store: LocalStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  async *listValidPaths(options?: AbortOptions): AsyncIterable<StorePath> {
    let after: string | undefined;
    for (;;) {
      options?.signal?.throwIfAborted();
      const page = await this.#store.db.listPathInfos(after, PAGE);
      for (const info of page) yield info.path;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.path.baseName;
    }
  }

  async queryPathInfos(hashParts: readonly string[]): Promise<Map<string, ServedPathInfo>> {
    const out = new Map<string, ServedPathInfo>();
    await Promise.all(hashParts.map(async (h) => {
      const info = await this.#info(h);
      if (info) out.set(h, { storePath: info.path, narSize: info.narSize, narinfo: narinfoOf(info, this.#store) });
    }));
    return out;
  }

  async openNar(hashPart: string, options: OpenNarOptions = {}): Promise<NarStream | undefined> {
    const info = await this.#info(hashPart);
    if (!info) return undefined;
    return { narSize: info.narSize, chunks: dumpPath(this.#store.realPath(info.path), { reuseBuffers: options.reuseBuffers ?? false }) };
  }

  subscribe(listener: (event: PathEvent) => void): () => void {
    this.#listeners.add(listener);
    this.#watching ??= this.#watch();
    return () => this.#listeners.delete(listener);
  }

  /** Stop following the store's events. */
  async close(): Promise<void> {
    this.#events.abort();
    await this.#watching?.catch(() => {});
  }

  async #info(hashPart: string): Promise<PathInfo | undefined> {
    const path = await this.#store.db.queryPathFromHashPart(hashPart);
    return path ? await this.#store.db.queryPathInfo(path) : undefined;
  }

  async #watch(): Promise<void> {
    try {
      for await (const ev of this.#store.db.events(this.#events.signal)) {
        // A resync means events were missed: the inventory service rescans on its own schedule.
        if (ev.type === 'resync') continue;
        const type = ev.type === 'registered' ? 'added' : 'removed';
        for (const path of ev.paths) for (const l of this.#listeners) l({ type, path });
      }
    } catch (e) {
      if (!this.#events.signal.aborted) this.#log.warn(`store events stopped: ${(e as Error).message}`);
    }
  }
}

/** The narinfo a peer gets: uncompressed NAR addressed by its NAR hash, the store's own signatures. */
export function narinfoOf(info: PathInfo, store: LocalStore): string {
  return printNarInfo({
    ...info,
    url: `nar/${info.narHash.toString('nix32', false)}.nar`,
    compression: 'none',
    extra: [],
  }, store.storeDir);
}
