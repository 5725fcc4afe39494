/**
 * The narrow interfaces between the P2P layer and the rest of tix.
 *
 * - What the node needs from the store (`PathInfoSource`, `NarSource`): the phase-2 adapter
 *   over the local store implements them; `MemoryPathSource` and `BinaryCacheDirSource` are
 *   the in-process implementations used until then and by tests and benchmarks.
 * - What the substitution client needs from the node (`PeerDialer`, `ProviderFinder`): the
 *   daemon passes its libp2p host and lookup service in as components, so src/ never
 *   imports node/ or libp2p.
 */

import type { StorePath } from '../../store/store-path.ts';
import type { PeerStream } from './stream-io.ts';

export interface AbortOptions {
  signal?: AbortSignal;
}

/** A valid path as served to peers. */
export interface ServedPathInfo {
  readonly storePath: StorePath;
  /** Uncompressed NAR size (the narinfo's NarSize). */
  readonly narSize: number;
  /**
   * The narinfo text exactly as the store signs it (StorePath, URL, Compression, NarHash,
   * NarSize, References, Deriver, Sig...). Peers check the signature themselves.
   */
  readonly narinfo: string;
}

export type PathEvent = { readonly type: 'added' | 'removed'; readonly path: StorePath };

/**
 * The store's valid paths, as far as the network may know them. Only valid,
 * closure-complete paths are listed, queried or announced (notes §4.10 item 11).
 */
export interface PathInfoSource {
  /** Every valid path, in any order. */
  listValidPaths(options?: AbortOptions): AsyncIterable<StorePath>;
  /** The served infos of those `hashParts` that are valid here; absent ones are left out. */
  queryPathInfos(hashParts: readonly string[], options?: AbortOptions): Promise<Map<string, ServedPathInfo>>;
  /** Be told when a path becomes valid or is deleted; returns the unsubscribe function. */
  subscribe(listener: (event: PathEvent) => void): () => void;
}

/** An open NAR: its size and its bytes. */
export interface NarStream {
  readonly narSize: number;
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface OpenNarOptions extends AbortOptions {
  /**
   * The consumer is done with each chunk before it pulls the next (it encrypts or hashes
   * it at once), so the source may reuse its buffers instead of allocating every chunk.
   */
  reuseBuffers?: boolean;
}

/** The NAR serialisation of valid paths. */
export interface NarSource {
  /** The NAR of a valid path, or undefined when the path is not valid here. */
  openNar(hashPart: string, options?: OpenNarOptions): Promise<NarStream | undefined>;
}

export type { PeerStream };

/** Opens protocol streams to peers named by their peer id (base58 or CID text). */
export interface PeerDialer {
  openStream(peer: string, protocol: string, options?: AbortOptions): Promise<PeerStream>;
  /**
   * The IP address of an open connection to `peer` (where its bulk channel listens), or
   * undefined; absent: no bulk channel (bulk-client.ts).
   */
  remoteHost?(peer: string): string | undefined;
}

/** Which peers can serve which paths. */
export interface ProviderFinder {
  /**
   * Providers of each hash part: neighbours' inventories first, then the DHT for the rest.
   * Hash parts nobody provides are absent from the result.
   */
  findProviders(hashParts: readonly string[], options?: AbortOptions): Promise<Map<string, string[]>>;
}
