/**
 * Chunks that arrived ahead of their reader, with back-pressure on where they come from: the
 * source is paused while more than `highWater` bytes wait, and resumed once the reader has
 * taken them down to half of that. Shared by the readers of libp2p streams (stream-io.ts,
 * where pausing makes yamux stop granting window) and of bulk channels (bulk-client.ts,
 * where pausing the socket lets TCP hold the sender back).
 */

/** What the queue holds back. `pause` returns false when the source cannot pause now (it is closing). */
export interface PausableSource {
  pause(): boolean;
  resume(): void;
}

export class ChunkQueue {
  readonly #source: PausableSource;
  readonly #highWater: number;
  readonly #chunks: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #paused = false;
  #resuming = false;
  #wake: (() => void) | undefined;

  constructor(source: PausableSource, highWater: number) {
    this.#source = source;
    this.#highWater = highWater;
  }

  /** Bytes waiting to be taken. */
  get queued(): number {
    return this.#queued;
  }

  /** Whether a chunk is waiting. */
  get ready(): boolean {
    return this.#head < this.#chunks.length;
  }

  /** Add an arrived chunk; the source is paused when too much waits. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    // Not from inside resume(): a source may hand over what it buffered before it starts
    // again, which would undo the pause right away.
    if (!this.#resuming) this.#maybePause();
  }

  /** The oldest chunk, or undefined when none waits; the source resumes below half the mark. */
  take(): Uint8Array | undefined {
    if (this.#head === this.#chunks.length) return undefined;
    const chunk = this.#chunks[this.#head]!;
    this.#chunks[this.#head++] = undefined as unknown as Uint8Array;
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks.splice(0, this.#head);
      this.#head = 0;
    }
    this.#queued -= chunk.length;
    if (this.#paused && this.#queued <= this.#highWater / 2) this.resume();
    return chunk;
  }

  /** Let the source go on (the reader found nothing to take and will wait). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#resuming = true;
    try {
      this.#source.resume();
    } finally {
      this.#resuming = false;
    }
    this.#maybePause();
  }

  /** Resolves at the next `notify`. */
  wait(): Promise<void> {
    return new Promise<void>((r) => { this.#wake = r; });
  }

  /** Wake the waiting reader: a chunk, the end or a failure arrived. */
  notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #maybePause(): void {
    if (this.#paused || this.#queued <= this.#highWater) return;
    this.#paused = this.#source.pause();
  }
}
