/**
 * Per-peer concurrency limit for a served protocol: a peer gets at most `max` requests in
 * flight; beyond that it is answered "busy" at once rather than queued, so one greedy peer
 * cannot hold the server's memory or file handles.
 */

export class PeerLimiter {
  readonly max: number;
  readonly #active = new Map<string, number>();

  constructor(max: number) {
    this.max = max;
  }

  /** A release function, or undefined when the peer is at its limit. */
  tryAcquire(peerId: string): (() => void) | undefined {
    const n = this.#active.get(peerId) ?? 0;
    if (n >= this.max) return undefined;
    this.#active.set(peerId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const k = (this.#active.get(peerId) ?? 1) - 1;
      if (k <= 0) this.#active.delete(peerId);
      else this.#active.set(peerId, k);
    };
  }

  active(peerId: string): number {
    return this.#active.get(peerId) ?? 0;
  }
}
