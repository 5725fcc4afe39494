/**
 * Client side of the bulk channel: one NAR over a direct TCP connection instead of a libp2p
 * stream (one noise + yamux stream in JS tops out well below what the disk and a native
 * AEAD carry). Over the authenticated libp2p connection the client asks `/tix/bulk/1.0.0`
 * for the path; the server answers with the NAR size, a TCP port, a one-time token and a
 * fresh 256-bit key. The client connects to the libp2p connection's remote IP at that port,
 * proves the token with an HMAC under the key, and reads AEAD records (bulk-records.ts).
 *
 * Setting up is best effort: no known remote IP, a peer without the protocol, an error
 * answer, no TCP connection within `connectTimeoutMs`, or a channel closed before its first
 * byte give `undefined`, and the caller uses the libp2p stream instead. Once bytes flow, a
 * failure is the provider's, with the same codes as nar-client.ts: E_PEER_TRUNCATED for a
 * cut channel, E_PEER_PROTOCOL for a record that does not authenticate, E_PEER_LIMIT for
 * more bytes than announced, E_PEER_TIMEOUT when it stalls.
 */

import { connect, type Socket } from 'node:net';
import { BulkRecordError, deriveBulkKeys, encodeHello, RecordOpener } from './bulk-records.ts';
import { ChunkQueue } from './chunk-queue.ts';
import { PeerError } from './errors.ts';
import { abortOnSignal, abortStream, FrameReader, openStream, writeMessage, type StreamContext } from './frame-stream.ts';
import { fetchNar, type FetchedNar, type FetchNarOptions } from './nar-client.ts';
import type { PeerDialer, PeerStream } from './types.ts';
import { FRAME_CAP, PROTOCOL_BULK } from './wire.ts';

/**
 * NARs smaller than this go over the libp2p stream: a bulk channel costs a stream, a TCP
 * handshake and a hello before the first byte, which a small NAR does not win back.
 */
export const BULK_MIN_NAR_BYTES = 1024 * 1024;

/** How long setting up the channel may take before the libp2p stream is used instead. */
export const BULK_CONNECT_TIMEOUT_MS = 2000;

export interface FetchNarBulkOptions extends FetchNarOptions {
  connectTimeoutMs?: number;
  /** Told why the channel could not be set up (the caller then falls back). */
  onFallback?: (reason: string) => void;
}

export interface FetchNarAnyOptions extends FetchNarOptions {
  /** Use the peer's bulk channel when it offers one (default off). */
  bulk?: boolean;
  /** Smallest NAR (by `maxBytes`, its NarSize) worth a channel; default BULK_MIN_NAR_BYTES. */
  bulkMinBytes?: number;
  /** Told why no channel could be set up, before the libp2p stream is used instead. */
  onBulkFallback?: (reason: string) => void;
}

/**
 * The NAR of `hashPart` over the peer's bulk channel when `bulk` is set and the NAR is big
 * enough to win back the channel's set-up, else (or when none can be set up) over the
 * libp2p stream. What substitution and the HTTP facade both fetch with.
 */
export async function fetchNarAny(dialer: PeerDialer, peer: string, hashPart: string, options: FetchNarAnyOptions): Promise<FetchedNar> {
  const bulk = options.bulk && options.maxBytes >= (options.bulkMinBytes ?? BULK_MIN_NAR_BYTES)
    ? await fetchNarBulk(dialer, peer, hashPart, { ...options, onFallback: options.onBulkFallback })
    : undefined;
  return bulk ?? await fetchNar(dialer, peer, hashPart, options);
}

/** The NAR of `hashPart` over a bulk channel, or undefined when none could be set up. */
export async function fetchNarBulk(dialer: PeerDialer, peer: string, hashPart: string, options: FetchNarBulkOptions): Promise<FetchedNar | undefined> {
  const setupMs = options.connectTimeoutMs ?? BULK_CONNECT_TIMEOUT_MS;
  const fallback = (reason: string): undefined => {
    options.onFallback?.(reason);
    return undefined;
  };
  const host = dialer.remoteHost?.(peer);
  if (host === undefined) return fallback('no direct address of the peer is known');
  let offer: { narSize: number; port: number; token: Uint8Array; key: Uint8Array };
  let control: PeerStream;
  try {
    ({ offer, control } = await requestOffer(dialer, peer, hashPart, options.signal, setupMs));
  } catch (e) {
    return fallback((e as Error).message);
  }
  const release = (e?: unknown): void => {
    if (e === undefined) void control.close().catch(() => {});
    else abortStream(control, e);
  };
  if (offer.narSize > options.maxBytes) {
    const e = new PeerError('E_PEER_LIMIT', peer, PROTOCOL_BULK, `announces a NAR of ${offer.narSize} bytes for ${hashPart}, more than the ${options.maxBytes} allowed`);
    release(e);
    throw e;
  }
  const keys = deriveBulkKeys(offer.key, offer.token);
  const opener = new RecordOpener(keys);
  const reader = new ChannelReader(opener);
  let socket: Socket;
  try {
    socket = await connectTcp(host, offer.port, setupMs, reader, options.signal);
  } catch (e) {
    release(e);
    return fallback(`cannot connect to ${host}:${offer.port}: ${(e as Error).message}`);
  }
  socket.write(encodeHello(offer.token, keys));
  const idleMs = options.idleTimeoutMs ?? 0;
  const fail = (code: 'E_PEER_LIMIT' | 'E_PEER_TRUNCATED' | 'E_PEER_PROTOCOL' | 'E_PEER_TIMEOUT', msg: string, cause?: unknown): PeerError =>
    new PeerError(code, peer, PROTOCOL_BULK, msg, cause === undefined ? {} : { cause });
  if (idleMs > 0) socket.setTimeout(idleMs, () => socket.destroy(fail('E_PEER_TIMEOUT', `stalled: no data for ${idleMs} ms`)));
  const onAbort = (): void => { socket.destroy(fail('E_PEER_TIMEOUT', 'the transfer was aborted', options.signal?.reason)); };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // The first bytes decide whether the channel works; a channel closed before them (a
  // refused token, a middlebox) is a setup failure like any other.
  try {
    await reader.firstBytes();
  } catch (e) {
    options.signal?.removeEventListener('abort', onAbort);
    socket.destroy();
    if (e instanceof PeerError) {
      release(e);
      throw e;
    }
    release();
    return fallback('the channel closed before any data');
  }

  const narSize = offer.narSize;
  async function* body(): AsyncGenerator<Uint8Array> {
    let n = 0;
    let failure: unknown;
    try {
      for (let p = await reader.next(); p !== undefined; p = await reader.next()) {
        n += p.length;
        if (n > narSize) throw fail('E_PEER_LIMIT', `sent more than the ${narSize} NAR bytes it announced for ${hashPart}`);
        yield p;
      }
      if (n !== narSize) throw fail('E_PEER_TRUNCATED', `NAR of ${hashPart} ended after ${n} of ${narSize} bytes`);
    } catch (e) {
      failure = toBulkPeerError(e, fail);
      throw failure;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      release(failure);
    }
  }
  return { narSize, compression: 'none', chunks: body(), wireBytes: () => opener.offset };
}

function toBulkPeerError(e: unknown, fail: (code: 'E_PEER_TRUNCATED' | 'E_PEER_PROTOCOL', msg: string, cause?: unknown) => PeerError): unknown {
  if (e instanceof PeerError) return e;
  if (e instanceof BulkRecordError) return fail(e.code === 'E_BULK_TRUNCATED' ? 'E_PEER_TRUNCATED' : 'E_PEER_PROTOCOL', `${e.message} at byte ${e.offset}`, e);
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof PeerError) return cause;
  // A reset or other socket error mid-transfer: the channel was cut.
  if (typeof (e as { code?: unknown } | undefined)?.code === 'string' && !(e as { code: string }).code.startsWith('E_')) {
    return fail('E_PEER_TRUNCATED', `the channel failed: ${(e as Error).message}`, e);
  }
  return e;
}

/** Ask for an offer on a fresh `/tix/bulk/1.0.0` stream; the stream stays open until the transfer ends. */
async function requestOffer(dialer: PeerDialer, peer: string, hashPart: string, signal: AbortSignal | undefined, setupMs: number) {
  const ctx: StreamContext = { peerId: peer, protocol: PROTOCOL_BULK };
  const control = await openStream(dialer, peer, PROTOCOL_BULK, signal, setupMs);
  const unlisten = abortOnSignal(control, signal, ctx);
  try {
    const reader = new FrameReader(control, FRAME_CAP.bulk, ctx, { idleMs: setupMs });
    await writeMessage(control, { type: 'bulk-request', hashPart }, ctx);
    return { offer: await reader.expect(['bulk-offer']), control };
  } catch (e) {
    abortStream(control, e);
    throw e;
  } finally {
    unlisten();
  }
}

/** Bytes read from the socket per call, into one reused buffer (the kernel fills what it has). */
const READ_BUFFER_BYTES = 1024 * 1024;
/** Verified plaintext held before the socket is paused (TCP then holds the sender back). */
const QUEUE_HIGH_WATER = 8 * 1024 * 1024;

/**
 * The socket's bytes, opened record by record as they arrive: the socket reads into one
 * reused megabyte (`onread`, no buffer allocated per read), the opener copies out verified
 * plaintext, and the socket is paused while more than QUEUE_HIGH_WATER bytes wait.
 */
class ChannelReader {
  readonly #opener: RecordOpener;
  readonly #queue: ChunkQueue;
  #received = false;
  #ended = false;
  #failure: unknown;
  #socket: Socket | undefined;

  constructor(opener: RecordOpener) {
    this.#opener = opener;
    this.#queue = new ChunkQueue({
      // Socket.pause() stops the handle's reads in `onread` mode (returning false from onRead
      // would too, but would leave the stream unaware that it must restart them).
      pause: () => {
        this.#socket?.pause();
        return true;
      },
      resume: () => this.#socket?.resume(),
    }, QUEUE_HIGH_WATER);
  }

  attach(socket: Socket): void {
    this.#socket = socket;
    socket.on('end', () => { this.#ended = true; this.#queue.notify(); });
    socket.on('error', (e) => { this.#failure ??= e; this.#queue.notify(); });
    socket.on('close', () => {
      if (!this.#ended) this.#failure ??= Object.assign(new Error('the channel closed'), { code: 'ECONNRESET' });
      this.#queue.notify();
    });
  }

  /** `onread` callback: open what arrived. */
  readonly onRead = (n: number, buf: Uint8Array): boolean => {
    this.#received = true;
    try {
      for (const p of this.#opener.push(buf.subarray(0, n))) this.#queue.push(p);
    } catch (e) {
      this.#failure ??= e;
      this.#socket?.destroy();
    }
    this.#queue.notify();
    return true;
  };

  /** Resolves once any byte arrived; rejects if the channel ended or failed first. */
  async firstBytes(): Promise<void> {
    while (!this.#received) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#ended) throw new Error('the channel closed before any data');
      await this.#queue.wait();
    }
  }

  /** The next plaintext piece; undefined at a clean end after the final record. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      const p = this.#queue.take();
      if (p !== undefined) return p;
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#ended) {
        this.#opener.end();
        return undefined;
      }
      this.#queue.resume();
      await this.#queue.wait();
    }
  }
}

/** A TCP connection to host:port within `timeoutMs`, read through `reader`. */
function connectTcp(host: string, port: number, timeoutMs: number, reader: ChannelReader, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true, onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: reader.onRead } });
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no connection within ${timeoutMs} ms`)); }, timeoutMs);
    const onAbort = (): void => { s.destroy(); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('connect', () => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); reader.attach(s); resolve(s); });
    s.once('error', (e) => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); reject(e); });
  });
}
