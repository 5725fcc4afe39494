/**
 * Server side of `/tix/narinfo/1.0.0`: answers a batch of hash parts with the narinfo text
 * of those paths the `PathInfoSource` says are valid, then an `end` frame with the count.
 * Nothing else is served: the source is the only authority on what is valid here.
 */

import type { Connection, Stream } from '@libp2p/interface';
import { FRAME_CAP, MAX_NARINFO_BYTES, PROTOCOL_NARINFO, utf8Length, writeMessage, type PathInfoSource } from '../src/substitute/index.ts';
import { MAX_INBOUND_STREAMS, NARINFO_MAX_CONCURRENT_PER_PEER, NARINFO_RESPONSE_TIMEOUT_MS } from './constants.ts';
import type { TixHost } from './host.ts';
import type { Logger } from './log.ts';
import { PeerLimiter } from './peer-limiter.ts';
import { serveStream } from './serve-common.ts';

export interface NarinfoServerComponents {
  host: TixHost;
  source: PathInfoSource;
  log: Logger;
}

export class NarinfoServer {
  readonly #c: NarinfoServerComponents;
  readonly #limiter = new PeerLimiter(NARINFO_MAX_CONCURRENT_PER_PEER);
  #shutdown = new AbortController();
  readonly stats = { served: 0, refused: 0, failed: 0, narinfos: 0 };

  constructor(components: NarinfoServerComponents) {
    this.#c = components;
  }

  async start(): Promise<void> {
    this.#shutdown = new AbortController();
    await this.#c.host.handle(PROTOCOL_NARINFO, (stream, conn) => this.#onStream(stream, conn), { maxInboundStreams: MAX_INBOUND_STREAMS });
  }

  async stop(): Promise<void> {
    this.#shutdown.abort(new Error('node stopping'));
    await this.#c.host.unhandle(PROTOCOL_NARINFO);
  }

  async #onStream(stream: Stream, conn: Connection): Promise<void> {
    const opts = { protocol: PROTOCOL_NARINFO, frameCap: FRAME_CAP.narinfo, limiter: this.#limiter, accept: ['narinfo-request'] as const, log: this.#c.log, shutdown: this.#shutdown.signal, stats: this.stats };
    await serveStream(stream, conn, opts, async (req, ctx) => {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(NARINFO_RESPONSE_TIMEOUT_MS)]);
      const infos = await this.#c.source.queryPathInfos(req.hashParts, { signal });
      let count = 0;
      for (const h of new Set(req.hashParts)) {
        const info = infos.get(h);
        if (!info || info.storePath.hashPart !== h) continue;
        if (utf8Length(info.narinfo) > MAX_NARINFO_BYTES) {
          this.#c.log.warn(`not serving the narinfo of ${info.storePath.baseName}: larger than ${MAX_NARINFO_BYTES} bytes`);
          continue;
        }
        await writeMessage(ctx.stream, { type: 'narinfo', text: info.narinfo }, ctx, signal);
        count++;
      }
      await writeMessage(ctx.stream, { type: 'end', count }, ctx, signal);
      await ctx.stream.close({ signal });
      this.stats.narinfos += count;
    });
  }
}
