/**
 * Frames over a peer stream: read messages with the protocol's frame cap, write them with
 * back-pressure, and turn every failure into a `PeerError` naming the peer. Shared by the
 * client here and the servers in node/.
 */

import { PeerError } from './errors.ts';
import { StreamReader, waitWritable, type PeerStream } from './stream-io.ts';
import type { PeerDialer } from './types.ts';
import { decodeBody, encodeFrameParts, ERROR_CODE, expectType, FrameDecoder, WireError, type Message } from './wire.ts';

/** Who is at the other end, for error messages. */
export interface StreamContext {
  readonly peerId: string;
  readonly protocol: string;
}

export interface FrameReaderOptions {
  /**
   * Abort the stream when no byte arrives for this long while a frame is awaited (Nix's
   * `stalled-download-timeout`). Without it a peer that stops sending but keeps the
   * connection open (SIGSTOP, a slowloris) would hold the reader forever. 0 or absent: none.
   */
  idleMs?: number;
}

export class FrameReader {
  readonly #stream: PeerStream;
  readonly #source: StreamReader;
  readonly #dec: FrameDecoder;
  readonly #ctx: StreamContext;
  readonly #idleMs: number;
  #done = false;
  /** Offset of the last frame returned. */
  lastOffset = 0;

  constructor(stream: PeerStream, maxBody: number, ctx: StreamContext, options: FrameReaderOptions = {}) {
    this.#stream = stream;
    this.#source = new StreamReader(stream);
    this.#dec = new FrameDecoder(maxBody);
    this.#ctx = ctx;
    this.#idleMs = options.idleMs ?? 0;
  }

  /** Bytes received so far. */
  get bytesRead(): number {
    return this.#dec.offset;
  }

  /** The next message, or undefined when the peer closed the stream between frames. */
  async next(): Promise<Message | undefined> {
    for (;;) {
      const frame = this.#wrap(() => this.#dec.next());
      if (frame) {
        this.lastOffset = frame.offset;
        return this.#wrap(() => decodeBody(frame.body, frame.offset));
      }
      if (this.#done) return undefined;
      let chunk: Uint8Array | undefined;
      try {
        chunk = await this.#read();
      } catch (e) {
        this.#source.dispose();
        throw toPeerError(e, this.#ctx, 'stream failed');
      }
      if (chunk === undefined) {
        this.#done = true;
        this.#source.dispose();
        this.#wrap(() => this.#dec.end());
        continue;
      }
      this.#dec.push(chunk);
    }
  }

  /** The next message, which must be one of `types`; the end of the stream is an error here. */
  async expect<T extends Message['type']>(types: readonly T[]): Promise<Extract<Message, { type: T }>> {
    const m = await this.next();
    if (m === undefined) {
      throw new PeerError('E_PEER_TRUNCATED', this.#ctx.peerId, this.#ctx.protocol, `stream ended where a ${types.join(' or ')} frame was expected`);
    }
    if (m.type === 'error' && !(types as readonly string[]).includes('error')) {
      throw new PeerError(m.code === ERROR_CODE.notFound ? 'E_PEER_NOT_FOUND' : 'E_PEER_REFUSED', this.#ctx.peerId, this.#ctx.protocol, `peer answered with error ${m.code}: ${m.message}`);
    }
    return this.#wrap(() => expectType(m, types, this.lastOffset));
  }

  /** The stream's next chunk, or E_PEER_TIMEOUT (and the stream aborted) after idleMs without one. */
  async #read(): Promise<Uint8Array | undefined> {
    const idle = this.#idleMs;
    if (!(idle > 0)) return await this.#source.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new PeerError('E_PEER_TIMEOUT', this.#ctx.peerId, this.#ctx.protocol, `stalled: no data for ${idle} ms after ${this.#dec.offset} bytes`);
        // Aborting settles the pending read too, and tells the peer we are gone.
        this.#stream.abort(e);
        reject(e);
      }, idle);
    });
    try {
      return await Promise.race([this.#source.next(), stalled]);
    } finally {
      clearTimeout(timer);
    }
  }

  #wrap<R>(f: () => R): R {
    try {
      return f();
    } catch (e) {
      throw toPeerError(e, this.#ctx, 'malformed frame');
    }
  }
}

/**
 * Send one message, then wait while more than WRITE_HIGH_WATER bytes are still queued in the
 * stream (the peer reads slower than we produce); `signal` bounds that wait.
 */
export async function writeMessage(stream: PeerStream, m: Message, ctx: StreamContext, signal?: AbortSignal): Promise<void> {
  try {
    for (const part of encodeFrameParts(m)) stream.send(part);
    await waitWritable(stream, signal);
  } catch (e) {
    throw toPeerError(e, ctx, 'sending failed');
  }
}

/**
 * Abort `stream` with a timeout error when `signal` fires; returns the function that removes
 * the listener (a no-op without a signal). Aborting the stream is what unblocks a pending read.
 */
export function abortOnSignal(stream: PeerStream, signal: AbortSignal | undefined, ctx: StreamContext): () => void {
  if (!signal) return () => {};
  const onAbort = (): void => {
    stream.abort(new PeerError('E_PEER_TIMEOUT', ctx.peerId, ctx.protocol, `no answer in time (${reasonText(signal.reason)})`, { cause: signal.reason }));
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** Give up on `stream` because of `e`: the peer sees a reset rather than a clean close. */
export function abortStream(stream: PeerStream, e: unknown): void {
  stream.abort(e instanceof Error ? e : new Error(String(e)));
}

/**
 * One request and its answer on a fresh `protocol` stream to `peer`: open it (`idleMs`
 * bounds the opening, as in openStream), run `exchange`, close the stream. A failure aborts
 * the stream and is rethrown; the caller's `signal` aborts the stream while it runs.
 */
export async function exchangeOnStream<T>(
  dialer: PeerDialer,
  peer: string,
  protocol: string,
  options: { signal?: AbortSignal; idleMs?: number },
  exchange: (stream: PeerStream, ctx: StreamContext) => Promise<T>,
): Promise<T> {
  const ctx: StreamContext = { peerId: peer, protocol };
  const stream = await openStream(dialer, peer, protocol, options.signal, options.idleMs ?? 0);
  const unlisten = abortOnSignal(stream, options.signal, ctx);
  try {
    const r = await exchange(stream, ctx);
    await stream.close().catch(() => {});
    return r;
  } catch (e) {
    abortStream(stream, e);
    throw e;
  } finally {
    unlisten();
  }
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** Wrap any failure of a stream operation as a `PeerError` (kept as is when it already is one). */
export function toPeerError(e: unknown, ctx: StreamContext, what: string): PeerError {
  if (e instanceof PeerError) return e;
  if (e instanceof WireError) {
    return new PeerError('E_PEER_PROTOCOL', ctx.peerId, ctx.protocol, `${e.message} at byte ${e.offset}`, { offset: e.offset, cause: e });
  }
  const name = (e as { name?: string } | undefined)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new PeerError('E_PEER_TIMEOUT', ctx.peerId, ctx.protocol, `${what}: ${reasonText(e)}`, { cause: e });
  }
  // A cause of our own (e.g. the timeout passed to stream.abort) comes back wrapped.
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof PeerError) return cause;
  return new PeerError('E_PEER_TRUNCATED', ctx.peerId, ctx.protocol, `${what}: ${reasonText(e)}`, { cause: e });
}

/**
 * Open a `protocol` stream to `peer`, failing with a `PeerError` (E_PEER_DIAL) that names it.
 * `idleMs` bounds the opening too (a stopped peer never finishes protocol negotiation).
 */
export async function openStream(dialer: PeerDialer, peer: string, protocol: string, signal: AbortSignal | undefined, idleMs = 0): Promise<PeerStream> {
  const signals = [...(signal ? [signal] : []), ...(idleMs > 0 ? [AbortSignal.timeout(idleMs)] : [])];
  const s = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  try {
    return await dialer.openStream(peer, protocol, s ? { signal: s } : {});
  } catch (e) {
    throw new PeerError('E_PEER_DIAL', peer, protocol, `cannot open a stream: ${reasonText(e)}`, { cause: e });
  }
}
