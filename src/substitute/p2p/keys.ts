/**
 * DHT keys of store paths: `CIDv1(raw, sha2-256("<storeDir>/<hashPart>"))`.
 *
 * The issue names `sha2-256(storePath)`; tix hashes the path *up to its hash part* instead,
 * because Nix asks a binary cache for `/<hashPart>.narinfo` — the HTTP facade, and any
 * client that knows only the hash part, must be able to compute the key. The hash part is
 * the path's identity (Nix's `queryPathFromHashPart`), and the store dir keeps keys of
 * different stores apart. (kad-dht uses only the multihash of the CID.)
 */

import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { hashBytes } from '../../hash/digest.ts';

/** The provider-record key of the store path with `hashPart` in `storeDir`. */
export function storePathKey(storeDir: string, hashPart: string): CID {
  const digest = hashBytes('sha256', `${storeDir}/${hashPart}`).bytes;
  return CID.createV1(raw.code, Digest.create(sha256.code, digest));
}
