/**
 * Server side of `/tix/providers/1.0.0`, tix's bulk provider-record protocol. The stream
 * carries kad-dht `Message`s in the kad wire format (kad-message.ts): the client writes
 * ADD_PROVIDER and GET_PROVIDERS messages and closes its side; the server answers every
 * GET_PROVIDERS with a GET_PROVIDERS message (key, providers) in request order, then one
 * PING once every ADD_PROVIDER of the stream is stored, and closes.
 *
 * Why not plain kad-dht streams: its handler stores each ADD_PROVIDER with two datastore
 * writes (the record and a peer-store merge of the provider's addresses) and sends no
 * reply, so a sweep "delivers" 10,000 records in seconds while the peer needs a minute or
 * more to store them and every lookup in between misses. Here records are written in one
 * batch per chunk, the addresses merged once per stream, and the final PING tells the
 * announcer the records really are stored. The records use kad-dht's datastore layout.
 */

import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromMultihash } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import * as Digest from 'multiformats/hashes/digest';
import { concatBytes, FrameDecoder } from '../src/substitute/index.ts';
import {
  MAX_INBOUND_STREAMS, PROVIDER_CHUNK, PROVIDER_MAX_CONCURRENT_PER_PEER, PROVIDER_MAX_KEYS_PER_STREAM, PROVIDER_STREAM_TIMEOUT_MS,
  PROVIDER_VALIDITY_MS, PROVIDERS_PROTOCOL,
} from './constants.ts';
import type { TixHost } from './host.ts';
import { streamChunks } from './stream-chunks.ts';
import { decodeKadMessage, encodeKadMessage, KAD_ADD_PROVIDER, KAD_GET_PROVIDERS, KAD_PING, type KadMessage, type KadPeerInfo } from './kad-message.ts';
import type { Logger } from './log.ts';
import { PeerLimiter } from './peer-limiter.ts';
import type { ProviderRecords } from './provider-records.ts';

/** Largest message accepted: a key and one provider with a few addresses fit in far less. */
export const MAX_PROVIDER_MESSAGE_BYTES = 16 * 1024;
/**
 * Bytes accepted on one stream: 8,192 messages of ~100 bytes (a key, our id, two or three
 * addresses) need under 1 MiB. The stream is read ahead of the datastore writes, so this
 * also bounds what one stream can make the server hold.
 */
export const MAX_PROVIDER_STREAM_BYTES = 8 * 1024 * 1024;
/** Longest key accepted: a multihash of a 512-bit digest. */
const MAX_KEY_BYTES = 80;

export interface ProviderServerComponents {
  host: TixHost;
  records: ProviderRecords;
  log: Logger;
}

export class ProviderServer {
  readonly #c: ProviderServerComponents;
  readonly #limiter = new PeerLimiter(PROVIDER_MAX_CONCURRENT_PER_PEER);
  readonly stats = { served: 0, refused: 0, failed: 0, stored: 0, answered: 0 };

  constructor(components: ProviderServerComponents) {
    this.#c = components;
  }

  async start(): Promise<void> {
    await this.#c.host.handle(PROVIDERS_PROTOCOL, (stream, conn) => this.#onStream(stream, conn), { maxInboundStreams: MAX_INBOUND_STREAMS });
  }

  async stop(): Promise<void> {
    await this.#c.host.unhandle(PROVIDERS_PROTOCOL);
  }

  async #onStream(stream: Stream, conn: Connection): Promise<void> {
    const remote = conn.remotePeer;
    const release = this.#limiter.tryAcquire(remote.toString());
    if (!release) {
      this.stats.refused++;
      stream.abort(new Error(`at most ${this.#limiter.max} concurrent ${PROVIDERS_PROTOCOL} streams per peer`));
      return;
    }
    const signal = AbortSignal.timeout(PROVIDER_STREAM_TIMEOUT_MS);
    const onAbort = (): void => stream.abort(new Error(`${PROVIDERS_PROTOCOL} stream took longer than ${PROVIDER_STREAM_TIMEOUT_MS} ms`));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const dec = new FrameDecoder(MAX_PROVIDER_MESSAGE_BYTES);
      const addrCache = new Map<string, Uint8Array[]>();
      let pending: KadMessage[] = [];
      let seen = 0;
      let bytes = 0;
      let addrs: Uint8Array[] = [];
      for await (const chunk of streamChunks(stream)) {
        if ((bytes += chunk.length) > MAX_PROVIDER_STREAM_BYTES) throw new Error(`more than ${MAX_PROVIDER_STREAM_BYTES} bytes on one stream`);
        dec.push(chunk);
        for (let f = dec.next(); f; f = dec.next()) {
          const m = decodeKadMessage(f.body);
          if (++seen > PROVIDER_MAX_KEYS_PER_STREAM) throw new Error(`more than ${PROVIDER_MAX_KEYS_PER_STREAM} messages on one stream`);
          if (!m.key || m.key.length === 0 || m.key.length > MAX_KEY_BYTES) throw new Error(`message ${seen} has no valid key`);
          if (m.type === KAD_ADD_PROVIDER) {
            // Like kad-dht: a peer may only announce itself, with at least one address.
            const self = m.providers.find((p) => bytesEqual(p.id, remote.toMultihash().bytes) && p.multiaddrs.length > 0);
            if (!self) throw new Error(`ADD_PROVIDER ${seen} does not name the sender with an address`);
            addrs = self.multiaddrs;
          } else if (m.type !== KAD_GET_PROVIDERS) {
            throw new Error(`message ${seen} has type ${m.type}, expected ADD_PROVIDER or GET_PROVIDERS`);
          }
          pending.push(m);
          if (pending.length >= PROVIDER_CHUNK) {
            await this.#process(stream, remote, pending, addrCache, signal);
            pending = [];
          }
        }
      }
      await this.#process(stream, remote, pending, addrCache, signal);
      if (addrs.length > 0) await this.#c.host.peerStore.merge(remote, { multiaddrs: addrs.map((a) => multiaddr(a)) }, { signal });
      await send(stream, encodeKadMessage({ type: KAD_PING, key: new Uint8Array() }), signal);
      await stream.close({ signal });
      this.stats.served++;
    } catch (e) {
      this.stats.failed++;
      this.#c.log.debug(`${PROVIDERS_PROTOCOL} stream from ${remote} failed: ${(e as Error).message}`);
      stream.abort(e as Error);
    } finally {
      signal.removeEventListener('abort', onAbort);
      release();
    }
  }

  /** Store the chunk's ADD_PROVIDERs in one batch, then answer its GET_PROVIDERS in order. */
  async #process(stream: Stream, remote: PeerId, msgs: KadMessage[], addrCache: Map<string, Uint8Array[]>, signal: AbortSignal): Promise<void> {
    const adds = msgs.filter((m) => m.type === KAD_ADD_PROVIDER).map((m) => m.key!);
    const now = Date.now();
    if (adds.length > 0) {
      await this.#c.records.add(adds, remote, now);
      this.stats.stored += adds.length;
    }
    const gets = msgs.filter((m) => m.type === KAD_GET_PROVIDERS);
    if (gets.length === 0) return;
    const answers = await Promise.all(gets.map(async (m) => {
      const providers: KadPeerInfo[] = [];
      for (const p of await this.#c.records.get(m.key!, now - PROVIDER_VALIDITY_MS, { signal })) {
        providers.push({ id: p.toMultihash().bytes, multiaddrs: await this.#addresses(p, addrCache) });
      }
      return encodeKadMessage({ type: KAD_GET_PROVIDERS, key: m.key!, providers });
    }));
    this.stats.answered += gets.length;
    await send(stream, concatBytes(answers), signal);
  }

  async #addresses(peer: PeerId, cache: Map<string, Uint8Array[]>): Promise<Uint8Array[]> {
    const id = peer.toString();
    let a = cache.get(id);
    if (!a) {
      try {
        a = (await this.#c.host.peerStore.get(peer)).addresses.map((x) => x.multiaddr.bytes);
      } catch {
        a = [];
      }
      cache.set(id, a);
    }
    return a;
  }
}

async function send(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The provider a GET_PROVIDERS answer names, as a peer id (for clients). */
export function providerPeerId(p: KadPeerInfo): PeerId {
  return peerIdFromMultihash(Digest.decode(p.id));
}
