/**
 * What the HTTP facade serves: the node's own store first, then, for paths it lacks, the
 * P2P network (node/network-source.ts). Peers are never served from the network this way —
 * only the facade uses this composite; the libp2p servers keep to the local store, so a
 * node announces and serves to peers only what it holds.
 */

import type { AbortOptions, NarSource, NarStream, PathEvent, PathInfoSource, ServedPathInfo, StorePath } from '../src/substitute/index.ts';
import type { NetworkSource } from './network-source.ts';

export class LocalThenNetworkSource implements PathInfoSource, NarSource {
  readonly #local: PathInfoSource;
  readonly #localNars: NarSource;
  readonly #network: NetworkSource;

  constructor(local: PathInfoSource, localNars: NarSource, network: NetworkSource) {
    this.#local = local;
    this.#localNars = localNars;
    this.#network = network;
  }

  /** The local store's paths: the network's are not listed (WantMassQuery clients ask per path). */
  listValidPaths(options?: AbortOptions): AsyncIterable<StorePath> {
    return this.#local.listValidPaths(options);
  }

  subscribe(listener: (event: PathEvent) => void): () => void {
    return this.#local.subscribe(listener);
  }

  async queryPathInfos(hashParts: readonly string[], options?: AbortOptions): Promise<Map<string, ServedPathInfo>> {
    const out = await this.#local.queryPathInfos(hashParts, options);
    const missing = hashParts.filter((h) => !out.has(h));
    if (missing.length > 0) for (const [h, s] of await this.#network.queryPathInfos(missing, options)) out.set(h, s);
    return out;
  }

  async openNar(hashPart: string, options?: AbortOptions): Promise<NarStream | undefined> {
    return (await this.#localNars.openNar(hashPart, options)) ?? (await this.#network.openNar(hashPart, options));
  }
}
