/**
 * What a local store records about a valid path: `ValidPathInfo` (path-info.ts) plus the
 * registration time and the `ultimate` flag (Nix: `UnkeyedValidPathInfo`), and its JSON
 * form as printed by upstream `nix path-info --json` (format version 1: full store paths,
 * SRI NAR hash, rendered CA, keys sorted as nlohmann::json sorts them).
 */

import { printContentAddress } from './content-address.ts';
import type { ValidPathInfo } from './path-info.ts';
import type { StoreDir } from './store-dir.ts';
import { compareStorePaths, type StorePath } from './store-path.ts';

export interface PathInfo extends ValidPathInfo {
  /** Seconds since the epoch when the path became valid here. */
  readonly registrationTime: number;
  /** Built locally (so trusted without signatures). */
  readonly ultimate: boolean;
}

/** `info` with references sorted and deduplicated (the order Nix's `StorePathSet` has). */
export function normalisePathInfo(info: PathInfo): PathInfo {
  const seen = new Map<string, StorePath>();
  for (const r of info.references) seen.set(r.baseName, r);
  const references = [...seen.values()].sort(compareStorePaths);
  const sigs = [...new Set(info.sigs)];
  return { ...info, references, sigs };
}

/** One object of `nix path-info --json` (format 1), without `closureSize`. */
export function pathInfoToJson(info: PathInfo, storeDir: StoreDir): Record<string, unknown> {
  return {
    ca: info.ca ? printContentAddress(info.ca) : null,
    deriver: info.deriver ? storeDir.printPath(info.deriver) : null,
    narHash: info.narHash.sri,
    narSize: info.narSize,
    references: info.references.map((r) => storeDir.printPath(r)),
    registrationTime: info.registrationTime,
    signatures: [...info.sigs],
    storeDir: storeDir.dir,
    ultimate: info.ultimate,
    version: 1,
  };
}
