/** Made-up but well-formed store paths and path infos for DB tests (no files behind them). */

import { compressHash, encodeNix32, hashBytes } from '../../src/hash/index.ts';
import type { PathInfo } from '../../src/store/path-info-json.ts';
import { StorePath } from '../../src/store/store-path.ts';

/** A deterministic store path named `name`, distinct for each `seed`. */
export function fakePath(seed: string, name = 'p'): StorePath {
  return StorePath.fromParts(encodeNix32(compressHash(hashBytes('sha256', seed).bytes, 20)), name);
}

export function fakeInfo(path: StorePath, references: StorePath[] = [], extra: Partial<PathInfo> = {}): PathInfo {
  return {
    path,
    narHash: hashBytes('sha256', path.baseName),
    narSize: 100 + path.name.length,
    references,
    sigs: [],
    registrationTime: 1700000000,
    ultimate: false,
    ...extra,
  };
}
