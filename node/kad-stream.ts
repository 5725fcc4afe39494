/**
 * Batched provider-record RPCs with one peer. To a tix peer: `/tix/providers/1.0.0`
 * (provider-server.ts), kad `Message`s written back to back, answered in order and
 * acknowledged with a PING once stored. To a plain kad-dht peer: many ADD_PROVIDER messages
 * on one `/tix/kad/1.0.0` stream (the server answers none), or many GET_PROVIDERS requests
 * pipelined with their answers read in order — both rely only on the standard server
 * reading messages in a loop (kad-dht `RPC.onIncomingStream`).
 */

import type { PeerId, Stream } from '@libp2p/interface';
import { concatBytes, FrameDecoder } from '../src/substitute/index.ts';
import {
  ADD_PROVIDER_BATCH, ADD_PROVIDER_TIMEOUT_MS, DHT_PROTOCOL, GET_PROVIDERS_BATCH, PROVIDER_KEYS_PER_STREAM, PROVIDER_STREAM_TIMEOUT_MS, PROVIDERS_PROTOCOL,
} from './constants.ts';
import { peerKadId, type KnownPeer } from './dht-regions.ts';
import type { TixHost } from './host.ts';
import { streamChunks } from './stream-chunks.ts';
import { decodeKadMessage, encodeKadMessage, KAD_ADD_PROVIDER, KAD_GET_PROVIDERS, KAD_PING, type KadMessage, type KadPeerInfo } from './kad-message.ts';

/** Largest GET_PROVIDERS answer accepted (20 closer peers and a few providers fit in far less). */
const MAX_KAD_RESPONSE_BYTES = 1024 * 1024;

/** What a peer did with a batch of our provider records. */
export interface StoreResult {
  /** Records the peer confirmed stored (bulk protocol): the first `acknowledged` keys. */
  acknowledged: number;
  /** Records sent as plain ADD_PROVIDER, which kad-dht never confirms. */
  unacknowledged: number;
  /** Why the rest did not get there. */
  error?: Error;
}

/**
 * Store us as provider of every key at `peer`: through the bulk protocol (provider-server.ts)
 * when the peer speaks it, one stream of at most PROVIDER_KEYS_PER_STREAM keys after
 * another (so a sweep never holds more than one of the peer's few stream slots), each
 * acknowledged once stored; else as plain ADD_PROVIDER messages, which only say "sent".
 * `signal` is the caller's (shutdown); each stream has its own timeout.
 */
export async function storeProviders(host: TixHost, peer: PeerId, keys: readonly Uint8Array[], self: KadPeerInfo, signal: AbortSignal): Promise<StoreResult> {
  if (!(await speaksBulk(host, peer))) {
    try {
      await addProviders(host, peer, keys, self, AbortSignal.any([signal, AbortSignal.timeout(ADD_PROVIDER_TIMEOUT_MS)]));
      return { acknowledged: 0, unacknowledged: keys.length };
    } catch (e) {
      return { acknowledged: 0, unacknowledged: 0, error: e as Error };
    }
  }
  let acknowledged = 0;
  for (const ks of chunks(keys, PROVIDER_KEYS_PER_STREAM)) {
    try {
      const s = AbortSignal.any([signal, AbortSignal.timeout(PROVIDER_STREAM_TIMEOUT_MS)]);
      await bulkExchange(host, peer, ks.map((key) => encodeKadMessage({ type: KAD_ADD_PROVIDER, key, providers: [self] })), 0, s);
      acknowledged += ks.length;
    } catch (e) {
      return { acknowledged, unacknowledged: 0, error: e as Error };
    }
  }
  return { acknowledged, unacknowledged: 0 };
}

/**
 * The providers `peer` knows for every key, in key order: bulk streams one after another,
 * or, for a plain kad-dht peer, GET_PROVIDERS_BATCH keys per stream in parallel (kad-dht
 * answers one stream's messages one by one, so one long stream would outlast any timeout).
 */
export async function findProvidersAt(host: TixHost, peer: PeerId, keys: readonly Uint8Array[], signal: AbortSignal): Promise<KadMessage[]> {
  if (!(await speaksBulk(host, peer))) {
    return (await Promise.all(chunks(keys, GET_PROVIDERS_BATCH).map((ks) => getProviders(host, peer, ks, signal)))).flat();
  }
  const out: KadMessage[] = [];
  for (const ks of chunks(keys, PROVIDER_KEYS_PER_STREAM)) {
    out.push(...await bulkExchange(host, peer, ks.map((key) => encodeKadMessage({ type: KAD_GET_PROVIDERS, key })), ks.length, signal));
  }
  return out;
}

/** Whether identify told us `peer` serves the bulk protocol. */
async function speaksBulk(host: TixHost, peer: PeerId): Promise<boolean> {
  try {
    return (await host.peerStore.get(peer)).protocols.includes(PROVIDERS_PROTOCOL);
  } catch {
    return false;
  }
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  return Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
}

/**
 * Open a `protocol` stream to `peer` and run `body` on it: the signal aborts the stream
 * ("`what` timed out"), and a failure aborts it (the peer sees a reset) before it is rethrown.
 */
async function onKadStream<T>(host: TixHost, peer: PeerId, protocol: string, what: string, signal: AbortSignal, body: (stream: Stream) => Promise<T>): Promise<T> {
  const stream = await host.dialProtocol(peer, protocol, { signal });
  const onAbort = (): void => stream.abort(new Error(`${what} timed out`));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await body(stream);
  } catch (e) {
    stream.abort(e as Error);
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Send `messages`, close our side, read `answers` answers then the server's PING. */
async function bulkExchange(host: TixHost, peer: PeerId, messages: Uint8Array[], answers: number, signal: AbortSignal): Promise<KadMessage[]> {
  return await onKadStream(host, peer, PROVIDERS_PROTOCOL, `${PROVIDERS_PROTOCOL} exchange`, signal, async (stream) => {
    for (let i = 0; i < messages.length; i += ADD_PROVIDER_BATCH) {
      if (!stream.send(concatBytes(messages.slice(i, i + ADD_PROVIDER_BATCH)))) await stream.onDrain({ signal });
    }
    await stream.close({ signal });
    const dec = new FrameDecoder(MAX_KAD_RESPONSE_BYTES);
    const out: KadMessage[] = [];
    let acked = false;
    for await (const chunk of streamChunks(stream)) {
      dec.push(chunk);
      for (let f = dec.next(); f; f = dec.next()) {
        const m = decodeKadMessage(f.body);
        if (m.type === KAD_PING) acked = true;
        else if (m.type === KAD_GET_PROVIDERS && out.length < answers) out.push(m);
        else throw new Error(`unexpected message type ${m.type} from ${peer}`);
      }
      if (acked) break;
    }
    if (!acked || out.length < answers) throw new Error(`${peer} ended the ${PROVIDERS_PROTOCOL} stream after ${out.length} of ${answers} answers`);
    return out;
  });
}

/** Write ADD_PROVIDER for every key to `peer`, naming ourselves (`self`) as the provider. */
export async function addProviders(host: TixHost, peer: PeerId, keys: readonly Uint8Array[], self: KadPeerInfo, signal: AbortSignal): Promise<void> {
  return await onKadStream(host, peer, DHT_PROTOCOL, 'ADD_PROVIDER batch', signal, async (stream) => {
    for (let i = 0; i < keys.length; i += ADD_PROVIDER_BATCH) {
      const batch = keys.slice(i, i + ADD_PROVIDER_BATCH).map((key) => encodeKadMessage({ type: KAD_ADD_PROVIDER, key, providers: [self] }));
      if (!stream.send(concatBytes(batch))) await stream.onDrain({ signal });
    }
    await stream.close({ signal });
  });
}

/** Ask `peer` for the providers of every key; answers in request order. */
export async function getProviders(host: TixHost, peer: PeerId, keys: readonly Uint8Array[], signal: AbortSignal): Promise<KadMessage[]> {
  return await onKadStream(host, peer, DHT_PROTOCOL, 'GET_PROVIDERS batch', signal, async (stream) => {
    stream.send(concatBytes(keys.map((key) => encodeKadMessage({ type: KAD_GET_PROVIDERS, key }))));
    const dec = new FrameDecoder(MAX_KAD_RESPONSE_BYTES);
    const out: KadMessage[] = [];
    for await (const chunk of streamChunks(stream)) {
      dec.push(chunk);
      for (let f = dec.next(); f; f = dec.next()) out.push(decodeKadMessage(f.body));
      if (out.length >= keys.length) break;
    }
    await stream.close({ signal }).catch(() => {});
    return out;
  });
}

/** Every peer in our peer store that speaks the tix DHT, with its kad id. */
export async function knownDhtPeers(host: TixHost): Promise<KnownPeer[]> {
  const peers = await host.peerStore.all({ filters: [(p) => p.protocols.includes(DHT_PROTOCOL)] });
  return peers.filter((p) => !p.id.equals(host.peerId)).map((p) => ({ peer: p.id, id: peerKadId(p.id) }));
}
