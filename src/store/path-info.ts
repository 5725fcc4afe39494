/**
 * What is known about a valid store object, and the two facts derived from it that trust
 * rests on: the signature fingerprint and whether a content address proves the path.
 * Nix: `ValidPathInfo` (path-info.cc).
 *
 *   fingerprint = "1;" <store path> ";" <narHash as algo:nix32> ";" <narSize> ";"
 *                 <absolute reference paths, sorted, joined by ",">
 */

import { InvalidValueError } from '../errors.ts';
import type { Hash } from '../hash/hash.ts';
import type { ContentAddress } from './content-address.ts';
import type { SecretKey } from './signature/keys.ts';
import { signDetached } from './signature/signature.ts';
import type { StoreDir } from './store-dir.ts';
import type { StorePath } from './store-path.ts';

export interface ValidPathInfo {
  readonly path: StorePath;
  /** Hash of the NAR serialisation (sha256 in practice). */
  readonly narHash: Hash;
  /** Size of the NAR serialisation in bytes. */
  readonly narSize: number;
  /** Store paths the object refers to (may include itself). */
  readonly references: readonly StorePath[];
  /** The `.drv` that produced it, when known. */
  readonly deriver?: StorePath | undefined;
  /** Signatures `<key name>:<base64>` as found (unverified). */
  readonly sigs: readonly string[];
  /** Content address, when the object claims one. */
  readonly ca?: ContentAddress | undefined;
}

/** Reference paths sorted and without duplicates, as Nix's `StorePathSet` holds them. */
export function sortedReferences(refs: readonly StorePath[]): StorePath[] {
  const byName = new Map<string, StorePath>();
  for (const r of refs) byName.set(r.baseName, r);
  return [...byName.keys()].sort().map((k) => byName.get(k)!);
}

/** The string a path signature signs. Nix: `ValidPathInfo::fingerprint`. */
export function fingerprintPathInfo(info: Pick<ValidPathInfo, 'path' | 'narHash' | 'narSize' | 'references'>, storeDir: StoreDir): string {
  if (info.narSize === 0) {
    throw new InvalidValueError('E_FINGERPRINT', `cannot calculate fingerprint of path '${storeDir.printPath(info.path)}' because its size is not known`);
  }
  const refs = sortedReferences(info.references).map((r) => storeDir.printPath(r));
  return `1;${storeDir.printPath(info.path)};${info.narHash.toString('nix32', true)};${info.narSize};${refs.join(',')}`;
}

/**
 * The path the content address implies, given the name and references; throws when the
 * CA cannot make a path (a text CA with a self-reference, a flat or non-sha256 CA with
 * references). Nix: `ValidPathInfo::contentAddressWithReferences` + `makeFixedOutputPathFromCA`.
 */
export function pathFromContentAddress(info: Pick<ValidPathInfo, 'path' | 'references'>, ca: ContentAddress, storeDir: StoreDir): StorePath {
  const self = info.references.some((r) => r.equals(info.path));
  const others = info.references.filter((r) => !r.equals(info.path));
  if (ca.method === 'text' && self) throw new InvalidValueError('E_CA_SELF_REFERENCE', 'a text content address cannot have a self-reference');
  return storeDir.makePathFromCA(info.path.name, ca.method, ca.hash, sortedReferences(others), self);
}

/** True when the CA field really determines the path. Nix: `ValidPathInfo::isContentAddressed`. */
export function isContentAddressed(info: Pick<ValidPathInfo, 'path' | 'references' | 'ca'>, storeDir: StoreDir): boolean {
  if (!info.ca) return false;
  try {
    return pathFromContentAddress(info, info.ca, storeDir).equals(info.path);
  } catch {
    return false;
  }
}

/** A signature of the path info's fingerprint, `name:base64`. Nix: `ValidPathInfo::sign`. */
export function signPathInfo(info: Pick<ValidPathInfo, 'path' | 'narHash' | 'narSize' | 'references'>, storeDir: StoreDir, key: SecretKey): string {
  return signDetached(key, fingerprintPathInfo(info, storeDir));
}
