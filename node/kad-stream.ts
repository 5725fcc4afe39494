/**
 * Batched kad-dht RPCs over one stream per peer: many ADD_PROVIDER messages written
 * back to back (the server answers none), or many GET_PROVIDERS requests pipelined with
 * their answers read in order. Both rely only on the standard server reading messages in a
 * loop (kad-dht `RPC.onIncomingStream`).
 */

import type { PeerId } from '@libp2p/interface';
import { concatBytes, FrameDecoder } from '../src/substitute/index.ts';
import { ADD_PROVIDER_BATCH, DHT_PROTOCOL } from './constants.ts';
import { peerKadId, type KnownPeer } from './dht-regions.ts';
import type { TixHost } from './host.ts';
import { decodeKadMessage, encodeKadMessage, KAD_ADD_PROVIDER, KAD_GET_PROVIDERS, type KadMessage, type KadPeerInfo } from './kad-message.ts';

/** Largest GET_PROVIDERS answer accepted (20 closer peers and a few providers fit in far less). */
const MAX_KAD_RESPONSE_BYTES = 1024 * 1024;

/** Write ADD_PROVIDER for every key to `peer`, naming ourselves (`self`) as the provider. */
export async function addProviders(host: TixHost, peer: PeerId, keys: readonly Uint8Array[], self: KadPeerInfo, signal: AbortSignal): Promise<void> {
  const stream = await host.dialProtocol(peer, DHT_PROTOCOL, { signal });
  const onAbort = (): void => stream.abort(new Error('ADD_PROVIDER batch timed out'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (let i = 0; i < keys.length; i += ADD_PROVIDER_BATCH) {
      const batch = keys.slice(i, i + ADD_PROVIDER_BATCH).map((key) => encodeKadMessage({ type: KAD_ADD_PROVIDER, key, providers: [self] }));
      if (!stream.send(concatBytes(batch))) await stream.onDrain({ signal });
    }
    await stream.close({ signal });
  } catch (e) {
    stream.abort(e as Error);
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Ask `peer` for the providers of every key; answers in request order. */
export async function getProviders(host: TixHost, peer: PeerId, keys: readonly Uint8Array[], signal: AbortSignal): Promise<KadMessage[]> {
  const stream = await host.dialProtocol(peer, DHT_PROTOCOL, { signal });
  const onAbort = (): void => stream.abort(new Error('GET_PROVIDERS batch timed out'));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    stream.send(concatBytes(keys.map((key) => encodeKadMessage({ type: KAD_GET_PROVIDERS, key }))));
    const dec = new FrameDecoder(MAX_KAD_RESPONSE_BYTES);
    const out: KadMessage[] = [];
    for await (const chunk of stream) {
      dec.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
      for (let f = dec.next(); f; f = dec.next()) out.push(decodeKadMessage(f.body));
      if (out.length >= keys.length) break;
    }
    await stream.close({ signal }).catch(() => {});
    return out;
  } catch (e) {
    stream.abort(e as Error);
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Every peer in our peer store that speaks the tix DHT, with its kad id. */
export async function knownDhtPeers(host: TixHost): Promise<KnownPeer[]> {
  const peers = await host.peerStore.all({ filters: [(p) => p.protocols.includes(DHT_PROTOCOL)] });
  return peers.filter((p) => !p.id.equals(host.peerId)).map((p) => ({ peer: p.id, id: peerKadId(p.id) }));
}
