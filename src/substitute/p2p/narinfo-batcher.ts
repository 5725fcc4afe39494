/**
 * Batches narinfo lookups: every path asked of one peer within the same turn of the event
 * loop goes out as one narinfo request (the protocol takes up to MAX_PATHS_PER_REQUEST paths
 * per frame), so substituting a closure of 2,000 paths costs one round trip per provider
 * instead of 2,000 — and never more requests in flight than the peer serves at once.
 */

import type { AbortOptions } from './types.ts';

/** Fetches the narinfos of `hashParts` from `peer`: texts by hash part, absent ones left out. */
export type NarinfoQuery = (peer: string, hashParts: string[], options: AbortOptions) => Promise<Map<string, string>>;

interface Waiter {
  resolve: (text: string | undefined) => void;
  reject: (e: unknown) => void;
}

export class NarinfoBatcher {
  readonly #query: NarinfoQuery;
  readonly #options: AbortOptions;
  /** Per peer: hash parts asked since the last flush, with who waits for each. */
  readonly #pending = new Map<string, Map<string, Waiter[]>>();

  constructor(query: NarinfoQuery, options: AbortOptions = {}) {
    this.#query = query;
    this.#options = options;
  }

  /** The narinfo text of `hashPart` from `peer`, or undefined when the peer does not have it. */
  get(peer: string, hashPart: string): Promise<string | undefined> {
    let batch = this.#pending.get(peer);
    if (!batch) {
      this.#pending.set(peer, (batch = new Map()));
      setImmediate(() => void this.#flush(peer));
    }
    let waiters = batch.get(hashPart);
    if (!waiters) batch.set(hashPart, (waiters = []));
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  async #flush(peer: string): Promise<void> {
    const batch = this.#pending.get(peer)!;
    this.#pending.delete(peer);
    try {
      const texts = await this.#query(peer, [...batch.keys()], this.#options);
      for (const [h, ws] of batch) for (const w of ws) w.resolve(texts.get(h));
    } catch (e) {
      for (const ws of batch.values()) for (const w of ws) w.reject(e);
    }
  }
}
