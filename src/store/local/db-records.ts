/**
 * The JSON record of a valid path, as stored in the DB and sent between processes: base
 * names instead of absolute paths (the DB does not depend on the store dir), the NAR hash
 * as `sha256:<nix32>` and the CA field rendered as in a narinfo.
 */

import { parseHashPrefixed } from '../../hash/hash.ts';
import { parseContentAddress, printContentAddress } from '../content-address.ts';
import type { PathInfo } from '../path-info-json.ts';
import { StorePath } from '../store-path.ts';

export interface PathRecord {
  /** Base name `<hash>-<name>`. */
  readonly path: string;
  readonly narHash: string;
  readonly narSize: number;
  /** Base names, sorted. */
  readonly refs: readonly string[];
  readonly deriver?: string;
  readonly sigs: readonly string[];
  readonly ca?: string;
  /** Registration time, seconds since the epoch. */
  readonly time: number;
  readonly ultimate: boolean;
}

export function encodePathInfo(info: PathInfo): PathRecord {
  return {
    path: info.path.baseName,
    narHash: info.narHash.toString('nix32', true),
    narSize: info.narSize,
    refs: info.references.map((r) => r.baseName),
    ...(info.deriver ? { deriver: info.deriver.baseName } : {}),
    sigs: [...info.sigs],
    ...(info.ca ? { ca: printContentAddress(info.ca) } : {}),
    time: info.registrationTime,
    ultimate: info.ultimate,
  };
}

export function decodePathInfo(r: PathRecord): PathInfo {
  return {
    path: new StorePath(r.path),
    narHash: parseHashPrefixed(r.narHash),
    narSize: r.narSize,
    references: r.refs.map((x) => new StorePath(x)),
    deriver: r.deriver ? new StorePath(r.deriver) : undefined,
    sigs: r.sigs,
    ca: r.ca ? parseContentAddress(r.ca) : undefined,
    registrationTime: r.time,
    ultimate: r.ultimate,
  };
}

/** One `drv!output → path` mapping of a derivation (Nix: the DerivationOutputs table). */
export interface DrvOutputMapping {
  readonly drv: StorePath;
  readonly output: string;
  readonly path: StorePath;
}
