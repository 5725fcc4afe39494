/**
 * Reading and writing a libp2p 3 stream with a real end and back-pressure both ways.
 *
 * Why not the stream's own async iterator and `onDrain()` (@libp2p/utils 7.4
 * AbstractMessageStream, yamux 8):
 *
 * - The iterator queues every incoming byte without bound and yamux grants the sender new
 *   window as bytes arrive, not as they are read: a slow consumer (a restore of thousands of
 *   small files) never holds the sender back, and then works through megabytes of queued
 *   chunks in microtasks only, starving its own event loop — no socket read, no timer, no
 *   ping answer — for seconds.
 * - The iterator ends without an error when the connection under the stream is lost: the
 *   muxer turns a reset of the connection into a plain close of each stream (it drops the
 *   error), so a reader cannot tell a cut connection from a finished stream. Only the
 *   peer's FIN ('remoteCloseWrite') is a clean end here; any other close is an error.
 * - `onDrain()` resolves at once after the first drain (its promise is never renewed), so a
 *   writer waiting on it queues a whole NAR in memory.
 *
 * `StreamReader` pauses the stream (yamux then stops granting window, so the sender's
 * window runs out) while more than `highWater` bytes wait to be read, and yields to the event
 * loop every `yieldBytes` bytes handed out. `waitWritable` waits for the write buffer to go
 * below a mark on the stream's own 'drain'/'idle' events.
 */

import { ChunkQueue } from './chunk-queue.ts';

/** The events of a libp2p 3 stream this module listens to, with the fields it reads. */
export interface StreamEvents {
  message: { data: Uint8Array | { subarray(): Uint8Array } };
  remoteCloseWrite: unknown;
  close: { error?: Error };
  drain: unknown;
  idle: unknown;
}

/** The part of a libp2p 3 `Stream` the protocol code uses (structurally; src/ imports no libp2p). */
export interface PeerStream {
  readonly status: string;
  /** 'closed' once the peer's FIN came (or the transport went away: then `status` is no longer 'open'). */
  readonly remoteWriteStatus?: string;
  readonly readBufferLength: number;
  readonly writeBufferLength: number;
  send(data: Uint8Array): boolean;
  close(options?: { signal?: AbortSignal }): Promise<void>;
  abort(err: Error): void;
  pause(): void;
  resume(): void;
  addEventListener<K extends keyof StreamEvents>(type: K, listener: (e: StreamEvents[K]) => void): void;
  removeEventListener<K extends keyof StreamEvents>(type: K, listener: (e: StreamEvents[K]) => void): void;
}

/** The connection under a stream went away before the peer finished sending. */
export class StreamCutError extends Error {
  override readonly name = 'StreamCutError';
}

export interface StreamReaderOptions {
  /** Pause the stream while more than this many bytes wait to be read. */
  highWater?: number;
  /** Give the event loop a turn after handing out this many bytes without waiting for any. */
  yieldBytes?: number;
}

/**
 * 4 MiB: a loaded machine may take tens of ms to schedule the sender after a resume, and
 * the reader must not run dry meanwhile. Unread bytes per stream stay below this mark plus
 * two yamux windows (resume() hands over what arrived while paused, then grants a window).
 */
export const READ_HIGH_WATER = 4 * 1024 * 1024;
export const READ_YIELD_BYTES = 1024 * 1024;

export class StreamReader {
  readonly #stream: PeerStream;
  readonly #yieldBytes: number;
  readonly #queue: ChunkQueue;
  /** Bytes handed out since the event loop last had a turn. */
  #sinceYield = 0;
  #fin = false;
  #failure: Error | undefined;
  #closed = false;
  readonly #onMessage = (e: StreamEvents['message']): void => {
    const data = e.data;
    // A Uint8ArrayList (yamux's frames over several noise messages): take its pieces as they
    // are rather than have subarray() copy them into one.
    const parts = data instanceof Uint8Array ? [data] : Symbol.iterator in data ? data as Iterable<Uint8Array> : [data.subarray()];
    for (const d of parts) this.#queue.push(d);
    this.#queue.notify();
  };
  readonly #onFin = (): void => { this.#fin = true; this.#queue.notify(); };
  readonly #onClose = (e: StreamEvents['close']): void => {
    this.#closed = true;
    if (e.error) this.#failure ??= e.error;
    this.#queue.notify();
  };

  constructor(stream: PeerStream, options: StreamReaderOptions = {}) {
    this.#stream = stream;
    this.#yieldBytes = options.yieldBytes ?? READ_YIELD_BYTES;
    this.#queue = new ChunkQueue({
      pause: () => {
        if (stream.status !== 'open') return false;
        try {
          stream.pause();
          return true;
        } catch {
          return false; // the readable end is closing: nothing more will come to hold back
        }
      },
      resume: () => {
        try {
          stream.resume();
        } catch {
          // Closing: whatever is buffered still arrives as 'message'.
        }
      },
    }, options.highWater ?? READ_HIGH_WATER);
    // Listening for 'message' makes the stream hand over what it buffered before we came.
    stream.addEventListener('message', this.#onMessage);
    stream.addEventListener('remoteCloseWrite', this.#onFin);
    stream.addEventListener('close', this.#onClose);
    // Already over before we listened: a reset or abort is a failure; a close after a FIN
    // we did not see cannot be told from a cut, and is taken as the end it most likely was.
    if (stream.status === 'reset' || stream.status === 'aborted') this.#failure = new StreamCutError(`stream was ${stream.status} before it was read`);
    else if (stream.status === 'closed' || stream.remoteWriteStatus === 'closed') this.#fin = true;
  }

  /** Bytes waiting to be read (for tests and status). */
  get queuedBytes(): number {
    return this.#queue.queued;
  }

  /** The next chunk, or undefined after the peer's FIN. Throws when the stream failed or was cut. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.#queue.ready) {
        if (this.#sinceYield >= this.#yieldBytes) {
          this.#sinceYield = 0;
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        const chunk = this.#queue.take()!;
        this.#sinceYield += chunk.length;
        return chunk;
      }
      if (this.#failure) throw this.#failure;
      if (this.#fin && this.#stream.readBufferLength === 0) return undefined;
      if (this.#closed && this.#stream.readBufferLength === 0) {
        throw new StreamCutError('the connection closed before the peer finished sending');
      }
      this.#queue.resume();
      this.#sinceYield = 0;
      await this.#queue.wait();
    }
  }

  /** Stop listening (the stream itself is left as it is). */
  dispose(): void {
    this.#stream.removeEventListener('message', this.#onMessage);
    this.#stream.removeEventListener('remoteCloseWrite', this.#onFin);
    this.#stream.removeEventListener('close', this.#onClose);
    this.#queue.notify();
  }
}

/** Bytes a writer may leave queued in the stream before it waits. */
export const WRITE_HIGH_WATER = 1024 * 1024;

/**
 * Wait until the stream's write buffer holds at most `highWater` bytes, i.e. the peer's
 * window and the connection have taken the rest. Fails when the stream closes first or the
 * signal fires.
 */
export async function waitWritable(stream: PeerStream, signal?: AbortSignal, highWater = WRITE_HIGH_WATER): Promise<void> {
  while (stream.writeBufferLength > highWater) {
    signal?.throwIfAborted();
    if (stream.status !== 'open') throw new StreamCutError(`stream is ${stream.status} with ${stream.writeBufferLength} bytes unsent`);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        stream.removeEventListener('drain', onEvent);
        stream.removeEventListener('idle', onEvent);
        stream.removeEventListener('close', onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      // 'drain' comes before the stream sends on (a queued microtask): look again after it.
      const onEvent = (): void => { done(); queueMicrotask(resolve); };
      const onClose = (e: StreamEvents['close']): void => { done(); reject(e.error ?? new StreamCutError('stream closed before its data was sent')); };
      const onAbort = (): void => { done(); reject(signal!.reason); };
      stream.addEventListener('drain', onEvent);
      stream.addEventListener('idle', onEvent);
      stream.addEventListener('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
