/**
 * The substituter interface: a source of store paths built elsewhere — a `file://` or
 * `http(s)://` binary cache, or peers on the tix network. A substituter only answers two
 * questions; whether its answer is believed (signatures, NAR hash and size) is decided by
 * the caller (substitute.ts), never by the substituter. Nix: the parts of `Store` that
 * `SubstitutionGoal` uses (`queryPathInfo`, `narFromPath`).
 */

import type { ValidPathInfo } from '../store/path-info.ts';
import type { StorePath } from '../store/store-path.ts';

/** What a substituter claims about a path: authenticated by its signatures, not yet verified. */
export interface SubstitutablePathInfo extends ValidPathInfo {
  /** Bytes to download (the compressed NAR), when known. */
  readonly downloadSize?: number | undefined;
}

export interface Substituter {
  /** The URI it was configured with (`file:///srv/cache`, `https://…`, `p2p:`). */
  readonly uri: string;
  /** Lower is asked first (`Priority` in nix-cache-info; Nix's default 0 is highest). */
  readonly priority: number;
  /** `?trusted=1`: paths from it need no signature (Nix's `isTrusted`). */
  readonly trusted: boolean;
  /** The infos of those `paths` it can provide, keyed by base name; the others are left out. */
  queryPathInfos(paths: readonly StorePath[], signal?: AbortSignal): Promise<Map<string, SubstitutablePathInfo>>;
  /** The NAR of a path it announced, decompressed, as a stream of chunks. */
  fetchNar(info: SubstitutablePathInfo, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** Release connections and caches. */
  close?(): Promise<void>;
}
