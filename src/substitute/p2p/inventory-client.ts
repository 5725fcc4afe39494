/**
 * Client side of `/tix/inventory/1.0.0`: subscribe to a neighbour's inventory (a filter,
 * then deltas as its store changes) and ask "which of these paths do you have" in one
 * batched round trip.
 */

import { PeerError } from './errors.ts';
import { abortOnSignal, exchangeOnStream, FrameReader, openStream, writeMessage, type StreamContext } from './frame-stream.ts';
import type { AbortOptions, PeerDialer } from './types.ts';
import { FRAME_CAP, MAX_PATHS_PER_REQUEST, PROTOCOL_INVENTORY, type Message } from './wire.ts';

export type InventoryMessage = Extract<Message, { type: 'inventory-filter' | 'inventory-delta' }>;

/**
 * Subscribe to `peer`'s inventory. Yields its filter first, then filters and deltas until
 * the stream ends (returns) or fails (throws a `PeerError`). Abort `signal` to unsubscribe.
 */
export async function* subscribeInventory(dialer: PeerDialer, peer: string, options: AbortOptions & { firstTimeoutMs: number }): AsyncGenerator<InventoryMessage> {
  const ctx: StreamContext = { peerId: peer, protocol: PROTOCOL_INVENTORY };
  const stream = await openStream(dialer, peer, PROTOCOL_INVENTORY, options.signal);
  const signals = [AbortSignal.timeout(options.firstTimeoutMs), options.signal].filter((s): s is AbortSignal => s !== undefined);
  let unlisten = abortOnSignal(stream, AbortSignal.any(signals), ctx);
  try {
    await writeMessage(stream, { type: 'inventory-subscribe' }, ctx);
    const reader = new FrameReader(stream, FRAME_CAP.inventory, ctx);
    yield await reader.expect(['inventory-filter']);
    // After the first filter only the caller's signal ends the subscription.
    unlisten();
    unlisten = abortOnSignal(stream, options.signal, ctx);
    for (;;) {
      const m = await reader.next();
      if (m === undefined) return;
      if (m.type !== 'inventory-filter' && m.type !== 'inventory-delta') {
        throw new PeerError('E_PEER_PROTOCOL', peer, PROTOCOL_INVENTORY, `unexpected ${m.type} frame in an inventory subscription at byte ${reader.lastOffset}`, { offset: reader.lastOffset });
      }
      yield m;
    }
  } finally {
    unlisten();
    stream.abort(new Error('inventory subscription ended'));
  }
}

/**
 * Ask `peer` which of `hashParts` it has (split into requests of at most
 * MAX_PATHS_PER_REQUEST). Returns the subset it has.
 */
export async function queryHave(dialer: PeerDialer, peer: string, hashParts: readonly string[], options: AbortOptions = {}): Promise<Set<string>> {
  const have = new Set<string>();
  for (let i = 0; i < hashParts.length; i += MAX_PATHS_PER_REQUEST) {
    const batch = hashParts.slice(i, i + MAX_PATHS_PER_REQUEST);
    const id = i / MAX_PATHS_PER_REQUEST;
    await exchangeOnStream(dialer, peer, PROTOCOL_INVENTORY, options, async (stream, ctx) => {
      await writeMessage(stream, { type: 'have-request', id, hashParts: batch }, ctx);
      const reader = new FrameReader(stream, FRAME_CAP.inventory, ctx);
      const r = await reader.expect(['have-response']);
      if (r.id !== id || r.have.length !== batch.length) {
        throw new PeerError('E_PEER_MISMATCH', peer, PROTOCOL_INVENTORY, `have-response ${r.id} for ${r.have.length} paths answers request ${id} for ${batch.length}`);
      }
      r.have.forEach((h, k) => { if (h) have.add(batch[k]!); });
    });
  }
  return have;
}
