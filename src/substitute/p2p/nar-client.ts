/**
 * Client side of `/tix/nar/1.0.0`: stream one path's NAR from a peer, decompressing zstd
 * when the peer chose it, and hold the peer to what it announced:
 *
 * - a header announcing more than `maxBytes` is refused before any data is read;
 * - more NAR bytes than the header's narSize (or compressed bytes beyond any plausible
 *   size) abort the stream (E_PEER_LIMIT);
 * - a stream that ends before `nar-end`, or with fewer bytes than announced, fails with
 *   E_PEER_TRUNCATED; a `nar-end` that disagrees with the bytes sent with E_PEER_MISMATCH;
 * - a stream that sends nothing for `idleTimeoutMs` (a stopped or stalling peer) is aborted
 *   with E_PEER_TIMEOUT: a slow peer may take as long as it needs, a silent one may not.
 *
 * The caller still hashes what it receives: a byte-exact, well-sized NAR can be the wrong one.
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createZstdDecompress } from 'node:zlib';
import { PeerError } from './errors.ts';
import { abortOnSignal, abortStream, FrameReader, openStream, writeMessage, type StreamContext } from './frame-stream.ts';
import type { AbortOptions, NarStream, PeerDialer } from './types.ts';
import { FRAME_CAP, PROTOCOL_NAR, type Compression, type Message } from './wire.ts';

export interface FetchNarOptions extends AbortOptions {
  /** Largest NAR accepted (the narinfo's NarSize when known). */
  maxBytes: number;
  /** Offer zstd; the peer decides. */
  acceptZstd?: boolean;
  /** Give up when no byte arrives for this long (Nix's stalled-download-timeout); 0: never. */
  idleTimeoutMs?: number;
}

export interface FetchedNar extends NarStream {
  /** What the peer sent on the wire. */
  readonly compression: Compression;
  /** Bytes received on the wire so far (compressed when zstd). */
  wireBytes(): number;
}

/** Slack for zstd's framing over incompressible data (~0.01 % plus headers). */
const ZSTD_SLACK = (n: number): number => Math.ceil(n / 1024) + 64 * 1024;

export async function fetchNar(dialer: PeerDialer, peer: string, hashPart: string, options: FetchNarOptions): Promise<FetchedNar> {
  const ctx: StreamContext = { peerId: peer, protocol: PROTOCOL_NAR };
  const idleMs = options.idleTimeoutMs ?? 0;
  const stream = await openStream(dialer, peer, PROTOCOL_NAR, options.signal, idleMs);
  const unlisten = abortOnSignal(stream, options.signal, ctx);
  const fail = (code: 'E_PEER_LIMIT' | 'E_PEER_TRUNCATED' | 'E_PEER_MISMATCH', msg: string): PeerError => new PeerError(code, peer, PROTOCOL_NAR, msg);
  const reader = new FrameReader(stream, FRAME_CAP.nar, ctx, { idleMs });
  let header: Extract<Message, { type: 'nar-header' }>;
  try {
    await writeMessage(stream, { type: 'nar-request', hashPart, acceptZstd: options.acceptZstd ?? false }, ctx);
    header = await reader.expect(['nar-header']);
    if (header.narSize > options.maxBytes) throw fail('E_PEER_LIMIT', `announces a NAR of ${header.narSize} bytes for ${hashPart}, more than the ${options.maxBytes} allowed`);
    if (header.compression === 'zstd' && !options.acceptZstd) throw new PeerError('E_PEER_PROTOCOL', peer, PROTOCOL_NAR, 'sent zstd although it was not offered');
  } catch (e) {
    unlisten();
    abortStream(stream, e);
    throw e;
  }
  const narSize = header.narSize;
  const compression = header.compression;
  const wireLimit = header.compression === 'zstd' ? narSize + ZSTD_SLACK(narSize) : narSize;
  let wire = 0;

  // The frames' payloads, as sent; ends at nar-end after checking its count.
  async function* frames(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const m = await reader.expect(['nar-data', 'nar-end']);
      if (m.type === 'nar-end') {
        if (m.narSize !== narSize) throw fail('E_PEER_MISMATCH', `nar-end says ${m.narSize} bytes, the header said ${narSize}`);
        return;
      }
      wire += m.bytes.length;
      if (wire > wireLimit) throw fail('E_PEER_LIMIT', `sent more than the ${narSize} NAR bytes it announced for ${hashPart}`);
      yield m.bytes;
    }
  }

  async function* body(): AsyncGenerator<Uint8Array> {
    let n = 0;
    try {
      const source = compression === 'zstd' ? decompress(frames()) : frames();
      for await (const chunk of source) {
        n += chunk.length;
        if (n > narSize) throw fail('E_PEER_LIMIT', `sent more than the ${narSize} NAR bytes it announced for ${hashPart}`);
        yield chunk;
      }
      if (n !== narSize) throw fail('E_PEER_TRUNCATED', `NAR of ${hashPart} ended after ${n} of ${narSize} bytes`);
      await stream.close().catch(() => {});
    } catch (e) {
      abortStream(stream, e);
      throw e;
    } finally {
      unlisten();
    }
  }

  return { narSize, compression, chunks: body(), wireBytes: () => wire };
}

/** zstd-decompress an async iterable of chunks with Node's zlib. */
async function* decompress(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const z = createZstdDecompress();
  const done = pipeline(Readable.from(src), z).catch((e: unknown) => { z.destroy(e as Error); });
  try {
    for await (const chunk of z) yield new Uint8Array((chunk as Buffer).buffer, (chunk as Buffer).byteOffset, (chunk as Buffer).byteLength);
  } finally {
    z.destroy();
    await done;
  }
}
