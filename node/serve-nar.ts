/**
 * Server side of `/tix/nar/1.0.0`: streams the NAR of one valid path as nar-data frames,
 * zstd-compressed when the client offered it and this node compresses, then `nar-end` with
 * the byte count. A path the `PathInfoSource` does not list as valid is answered "not found"
 * even if the `NarSource` could produce it. If the source yields a different number of bytes
 * than its announced size, the stream is aborted without `nar-end`, so the client never
 * mistakes a damaged NAR for a complete one.
 */

import type { Connection, Stream } from '@libp2p/interface';
import { Readable } from 'node:stream';
import { constants as zlibConstants, createZstdCompress } from 'node:zlib';
import {
  ERROR_CODE, FRAME_CAP, MAX_NAR_CHUNK_BYTES, PROTOCOL_NAR, writeMessage,
  type NarSource, type PathInfoSource, type StreamContext, type PeerStream,
} from '../src/substitute/index.ts';
import { MAX_INBOUND_STREAMS, NAR_MAX_CONCURRENT_PER_PEER, NAR_STALL_TIMEOUT_MS } from './constants.ts';
import type { TixHost } from './host.ts';
import type { Logger } from './log.ts';
import { PeerLimiter } from './peer-limiter.ts';
import { refuse, serveStream } from './serve-common.ts';

export interface NarServerComponents {
  host: TixHost;
  source: PathInfoSource;
  nars: NarSource;
  log: Logger;
}

export interface NarServerInit {
  /** Compress with zstd when the client offers it. */
  zstd: boolean;
  /** zstd level (1 is fastest; the wire, not the CPU, should be the limit). */
  zstdLevel?: number;
}

export class NarServer {
  readonly #c: NarServerComponents;
  readonly #init: NarServerInit;
  readonly #limiter = new PeerLimiter(NAR_MAX_CONCURRENT_PER_PEER);
  #shutdown = new AbortController();
  readonly stats = { served: 0, refused: 0, failed: 0, narBytes: 0, wireBytes: 0 };

  constructor(components: NarServerComponents, init: NarServerInit) {
    this.#c = components;
    this.#init = init;
  }

  async start(): Promise<void> {
    this.#shutdown = new AbortController();
    await this.#c.host.handle(PROTOCOL_NAR, (stream, conn) => this.#onStream(stream, conn), { maxInboundStreams: MAX_INBOUND_STREAMS });
  }

  async stop(): Promise<void> {
    this.#shutdown.abort(new Error('node stopping'));
    await this.#c.host.unhandle(PROTOCOL_NAR);
  }

  async #onStream(stream: Stream, conn: Connection): Promise<void> {
    const opts = { protocol: PROTOCOL_NAR, frameCap: FRAME_CAP.nar, limiter: this.#limiter, accept: ['nar-request'] as const, log: this.#c.log, shutdown: this.#shutdown.signal, stats: this.stats };
    await serveStream(stream, conn, opts, async (req, ctx) => {
      const valid = await this.#c.source.queryPathInfos([req.hashPart], { signal: ctx.signal });
      const nar = valid.has(req.hashPart) ? await this.#c.nars.openNar(req.hashPart, { signal: ctx.signal }) : undefined;
      if (!nar) {
        await refuse(ctx.stream, ctx, ERROR_CODE.notFound, `${req.hashPart} is not valid here`);
        return;
      }
      const zstd = req.acceptZstd && this.#init.zstd;
      await writeMessage(ctx.stream, { type: 'nar-header', compression: zstd ? 'zstd' : 'none', narSize: nar.narSize }, ctx);
      let sent = 0;
      const counted = (async function* () {
        for await (const c of nar.chunks) {
          sent += c.length;
          if (sent > nar.narSize) throw new Error(`NAR of ${req.hashPart} is longer than its ${nar.narSize} bytes`);
          yield c;
        }
      })();
      const wire = zstd ? this.#compress(counted) : counted;
      for await (const chunk of wire) await this.#sendChunked(ctx.stream, chunk, ctx);
      if (sent !== nar.narSize) throw new Error(`NAR of ${req.hashPart} ended after ${sent} of ${nar.narSize} bytes`);
      await writeMessage(ctx.stream, { type: 'nar-end', narSize: sent }, ctx);
      await ctx.stream.close({ signal: AbortSignal.timeout(NAR_STALL_TIMEOUT_MS) });
      this.stats.narBytes += sent;
    });
  }

  /** Send a chunk as nar-data frames of at most MAX_NAR_CHUNK_BYTES, failing if the peer stalls. */
  async #sendChunked(stream: PeerStream, chunk: Uint8Array, ctx: StreamContext): Promise<void> {
    for (let i = 0; i < chunk.length; i += MAX_NAR_CHUNK_BYTES) {
      const part = chunk.subarray(i, Math.min(chunk.length, i + MAX_NAR_CHUNK_BYTES));
      await writeMessage(stream, { type: 'nar-data', bytes: part }, ctx, AbortSignal.timeout(NAR_STALL_TIMEOUT_MS));
      this.stats.wireBytes += part.length;
    }
  }

  #compress(src: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    const z = createZstdCompress(this.#init.zstdLevel === undefined ? {} : { params: { [zlibConstants.ZSTD_c_compressionLevel]: this.#init.zstdLevel } });
    Readable.from(src).on('error', (e) => z.destroy(e)).pipe(z);
    return z as AsyncIterable<Uint8Array>;
  }
}
