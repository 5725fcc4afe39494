/**
 * The client's side of the servers' per-peer limits: at most MAX_CONCURRENT_PER_PEER
 * requests of each protocol in flight to one peer, the rest wait in line (first come,
 * first served). A server refuses requests beyond its limit as "busy" instead of queueing
 * them, so without this a closure of a few hundred paths fetched from one provider loses
 * most of its requests to refusals (and to libp2p's cap on inbound streams per connection).
 *
 * One limiter is shared by everything that talks to peers from one node, so two
 * substitutions running at once still stay under the limit together.
 */

import { MAX_CONCURRENT_PER_PEER } from './wire.ts';

export type LimitedProtocol = keyof typeof MAX_CONCURRENT_PER_PEER;

interface Slot {
  active: number;
  waiting: { grant: () => void; cancel: (e: unknown) => void }[];
}

export class PeerRequestLimiter {
  readonly #limits: Record<LimitedProtocol, number>;
  readonly #slots = new Map<string, Slot>();

  constructor(limits: Record<LimitedProtocol, number> = MAX_CONCURRENT_PER_PEER) {
    this.#limits = limits;
  }

  /** Run `fn` once fewer than the limit of `protocol` requests to `peer` are running. */
  async run<T>(peer: string, protocol: LimitedProtocol, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const key = `${protocol} ${peer}`;
    await this.#acquire(key, this.#limits[protocol], signal);
    try {
      return await fn();
    } finally {
      this.#release(key);
    }
  }

  /** Requests running and waiting for `peer` and `protocol` (for tests and status). */
  load(peer: string, protocol: LimitedProtocol): { active: number; waiting: number } {
    const s = this.#slots.get(`${protocol} ${peer}`);
    return { active: s?.active ?? 0, waiting: s?.waiting.length ?? 0 };
  }

  #acquire(key: string, max: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    let s = this.#slots.get(key);
    if (!s) this.#slots.set(key, (s = { active: 0, waiting: [] }));
    if (s.active < max) {
      s.active++;
      return Promise.resolve();
    }
    const slot = s;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = slot.waiting.indexOf(entry);
        if (i >= 0) slot.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      // The slot is handed over by #release (active stays counted), so no one can overtake.
      const entry = { grant: () => { signal?.removeEventListener('abort', onAbort); resolve(); }, cancel: reject };
      slot.waiting.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #release(key: string): void {
    const s = this.#slots.get(key);
    if (!s) return;
    const next = s.waiting.shift();
    if (next) return next.grant();
    s.active--;
    if (s.active <= 0) this.#slots.delete(key);
  }
}
