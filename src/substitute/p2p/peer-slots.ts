/**
 * Request slots per peer for the substitution client: at most NARINFO_PER_PEER narinfo
 * and NARS_PER_PEER NAR requests in flight to one peer, the rest wait their turn. The
 * serving side answers "busy" beyond its per-peer limits (node/constants.ts), and a
 * closure of many paths from one provider would otherwise lose every path past the
 * fourth to "busy". A slot is a plain counter with a FIFO of waiters; no I/O.
 */

/** The serving side's limits (node/constants.ts NARINFO_/NAR_MAX_CONCURRENT_PER_PEER). */
export const NARINFO_PER_PEER = 4;
export const NARS_PER_PEER = 8;

/** A counting semaphore per peer. */
export class PeerSlots {
  readonly #max: number;
  readonly #busy = new Map<string, number>();
  readonly #waiting = new Map<string, (() => void)[]>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Peers with requests in flight (for tests: idle peers leave no entry behind). */
  get peers(): number {
    return this.#busy.size;
  }

  /** Run `f` once a slot for `peer` is free; the slot is released when it settles. */
  async run<T>(peer: string, f: () => Promise<T>): Promise<T> {
    if ((this.#busy.get(peer) ?? 0) >= this.#max) {
      await new Promise<void>((resolve) => {
        const q = this.#waiting.get(peer) ?? [];
        q.push(resolve);
        this.#waiting.set(peer, q);
      });
    } else {
      this.#busy.set(peer, (this.#busy.get(peer) ?? 0) + 1);
    }
    try {
      return await f();
    } finally {
      // Hand the slot to the next waiter, or give it back.
      const next = this.#waiting.get(peer)?.shift();
      if (next) next();
      else if (this.#busy.get(peer) === 1) this.#busy.delete(peer);
      else this.#busy.set(peer, this.#busy.get(peer)! - 1);
      if (this.#waiting.get(peer)?.length === 0) this.#waiting.delete(peer);
    }
  }
}
