/**
 * Provider records in js kad-dht's own datastore layout (kad-dht `providers.ts`, `utils.ts`),
 * so the records tix stores in bulk are the ones kad-dht's GET_PROVIDERS handler, its
 * `findProviders` walks and its reprovider (which deletes expired foreign records) see:
 *
 *     key   = <prefix>/provider/<base32(multihash bytes), no multibase prefix>/<provider peer id>
 *     value = uvarint(milliseconds since the epoch when the record was stored)
 *
 * The difference from kad-dht's ADD_PROVIDER handler is cost: one datastore batch per
 * request instead of two datastore writes (record + peer-store merge) per key.
 */

import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { Key, type Datastore } from 'interface-datastore';
import * as varint from 'uint8-varint';
import { toString as uint8ArrayToString } from 'uint8arrays/to-string';

export class ProviderRecords {
  readonly #ds: Datastore;
  readonly #prefix: string;

  /** `datastorePrefix` as given to kad-dht (`/tix-dht`). */
  constructor(datastore: Datastore, datastorePrefix: string) {
    this.#ds = datastore;
    this.#prefix = `${datastorePrefix}/provider/`;
  }

  /** Store `provider` for every key (multihash bytes) in one batch, stamped `now`. */
  async add(keys: readonly Uint8Array[], provider: PeerId, now: number): Promise<void> {
    const batch = this.#ds.batch();
    const value = varint.encode(now);
    const p = provider.toString();
    for (const k of keys) batch.put(new Key(`${this.#prefix}${uint8ArrayToString(k, 'base32')}/${p}`), value);
    await batch.commit();
  }

  /** When `provider`'s record for `key` was last stored (ms since the epoch), if there is one. */
  async storedAt(key: Uint8Array, provider: PeerId): Promise<number | undefined> {
    try {
      return varint.decode(await this.#ds.get(new Key(`${this.#prefix}${uint8ArrayToString(key, 'base32')}/${provider.toString()}`)));
    } catch {
      return undefined;
    }
  }

  /** Providers of `key` whose record was stored after `notBefore` (older ones have expired). */
  async get(key: Uint8Array, notBefore: number, options: { signal?: AbortSignal } = {}): Promise<PeerId[]> {
    const out: PeerId[] = [];
    const prefix = `${this.#prefix}${uint8ArrayToString(key, 'base32')}/`;
    for await (const { key: k, value } of this.#ds.query({ prefix }, options)) {
      if (varint.decode(value) < notBefore) continue;
      try {
        out.push(peerIdFromString(k.toString().slice(prefix.length)));
      } catch {
        // A malformed entry is kad-dht's reprovider's to clean up.
      }
    }
    return out;
  }
}
