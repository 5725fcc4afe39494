/**
 * This node's inventory: the hash parts of its valid paths, the Bloom filter sent to
 * neighbours, and the changes not yet sent. Fed by the `PathInfoSource`'s events; read by the
 * inventory protocol (filters, deltas, have-answers) and the announcer.
 *
 * The filter only grows (Bloom filters cannot forget), so removals are sent as exact lists
 * and the filter is rebuilt once removals pass INVENTORY_RESNAPSHOT_FRACTION of its entries
 * or the path count outgrows the size it was built for.
 */

import { BloomFilter, decodeNix32, MAX_DELTA_PATHS, type Message, type PathInfoSource, type StorePath } from '../src/substitute/index.ts';
import { INVENTORY_RESNAPSHOT_FRACTION } from './constants.ts';

/** Smallest filter capacity: 2 KiB of filter, so a small store's first paths cause no rebuilds. */
const MIN_CAPACITY = 1024;

export type InventoryUpdate =
  | { type: 'filter'; message: Extract<Message, { type: 'inventory-filter' }> }
  | { type: 'delta'; messages: Extract<Message, { type: 'inventory-delta' }>[] };

export class OwnInventory {
  readonly #paths = new Map<string, StorePath>();
  #filter: BloomFilter = BloomFilter.forCount(MIN_CAPACITY);
  /** Entries the current filter was sized for; outgrowing it triggers a rebuild. */
  #capacity = MIN_CAPACITY;
  /** Hash parts removed since the filter was built (still "in" the filter). */
  #removedSinceFilter = new Set<string>();
  #pendingAdded = new Set<string>();
  #pendingRemoved = new Set<string>();
  /** Sequence number of the last filter or delta produced. */
  #seq = 0;
  #filterMessage: Extract<Message, { type: 'inventory-filter' }> | undefined;
  readonly #listeners = new Set<(hashParts: { added: string[]; removed: string[] }) => void>();

  get size(): number {
    return this.#paths.size;
  }

  has(hashPart: string): boolean {
    return this.#paths.has(hashPart);
  }

  paths(): IterableIterator<StorePath> {
    return this.#paths.values();
  }

  /** Load every valid path from the source (at start). */
  async load(source: PathInfoSource, signal?: AbortSignal): Promise<void> {
    for await (const p of source.listValidPaths({ signal })) this.#paths.set(p.hashPart, p);
    this.#rebuild();
  }

  add(p: StorePath): void {
    if (this.#paths.has(p.hashPart)) return;
    this.#paths.set(p.hashPart, p);
    this.#pendingRemoved.delete(p.hashPart);
    this.#pendingAdded.add(p.hashPart);
    this.#removedSinceFilter.delete(p.hashPart);
    this.#filter.add(decodeNix32(p.hashPart, 20));
    this.#filterMessage = undefined;
  }

  remove(hashPart: string): void {
    if (!this.#paths.delete(hashPart)) return;
    this.#pendingAdded.delete(hashPart);
    this.#pendingRemoved.add(hashPart);
    this.#removedSinceFilter.add(hashPart);
  }

  /** Be told which paths were added/removed at each flush (the announcer listens). */
  onFlush(listener: (changes: { added: string[]; removed: string[] }) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The filter message a new subscriber receives first (rebuilt if removals made it stale). */
  snapshot(): Extract<Message, { type: 'inventory-filter' }> {
    if (this.#removedSinceFilter.size > 0 || this.#paths.size > this.#capacity) this.#rebuild();
    this.#filterMessage ??= {
      type: 'inventory-filter', seq: this.#seq, count: this.#paths.size,
      hashes: this.#filter.hashes, bits: this.#filter.bits, data: this.#filter.data.slice(),
    };
    return this.#filterMessage;
  }

  /**
   * Turn the pending changes into what subscribers must receive: deltas, or a fresh filter
   * when removals or growth made the current one too inaccurate. Undefined when nothing changed.
   */
  flush(): InventoryUpdate | undefined {
    if (this.#pendingAdded.size === 0 && this.#pendingRemoved.size === 0) return undefined;
    const added = [...this.#pendingAdded];
    const removed = [...this.#pendingRemoved];
    this.#pendingAdded.clear();
    this.#pendingRemoved.clear();
    for (const l of this.#listeners) l({ added, removed });
    const stale = this.#removedSinceFilter.size > INVENTORY_RESNAPSHOT_FRACTION * Math.max(1, this.#paths.size);
    if (stale || this.#paths.size > this.#capacity) {
      this.#rebuild();
      return { type: 'filter', message: this.snapshot() };
    }
    const messages: Extract<Message, { type: 'inventory-delta' }>[] = [];
    for (let i = 0; i < Math.max(added.length, removed.length); i += MAX_DELTA_PATHS) {
      messages.push({ type: 'inventory-delta', seq: ++this.#seq, added: added.slice(i, i + MAX_DELTA_PATHS), removed: removed.slice(i, i + MAX_DELTA_PATHS) });
    }
    this.#filterMessage = undefined;
    return { type: 'delta', messages };
  }

  #rebuild(): void {
    // Room to grow by half before the next rebuild keeps rebuilds rare during a big build.
    this.#capacity = Math.max(MIN_CAPACITY, Math.ceil(this.#paths.size * 1.5));
    this.#filter = BloomFilter.forCount(this.#capacity);
    for (const h of this.#paths.keys()) this.#filter.add(decodeNix32(h, 20));
    this.#removedSinceFilter.clear();
    this.#seq++;
    this.#filterMessage = undefined;
  }
}
