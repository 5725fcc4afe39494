/**
 * Does a restored store object hold what its content address says? A CA field proves a
 * path only together with the contents: the path is computed from the CA hash, so a
 * substitute whose NAR hash matches changed contents while its CA still names the original
 * would otherwise pass every check unsigned. Nix: the "ca hash mismatch importing path"
 * check in `LocalStore::addToStore`.
 */

import { lstatSync } from 'node:fs';
import type { HashAlgo } from '../../hash/algo.ts';
import type { Hash } from '../../hash/hash.ts';
import type { ContentAddress, ContentAddressMethod } from '../content-address.ts';
import { StoreError } from './errors.ts';
import { hashFile, hashPath } from './nar-fs.ts';

/**
 * Throw unless the object at `path` (restored, not yet valid) has the hash `ca` names.
 * `narHash` is its sha256 NAR hash, already known from the restore.
 */
export async function checkContentAddress(path: string, ca: ContentAddress, narHash: Hash, printed: string): Promise<void> {
  if (ca.method !== 'nar' && !lstatSync(path).isFile()) throw mismatch(printed, `its content address '${ca.method}' needs a regular file`);
  const got = await contentAddressHash(path, ca.method, ca.hash.algo, narHash);
  if (!got.equals(ca.hash)) {
    throw mismatch(printed, `\n  specified: ${ca.hash.toString('nix32', true)}\n  got:       ${got.toString('nix32', true)}`);
  }
}

/**
 * The hash a content address of `method` and `algo` gives the object at `path`: its NAR's
 * (`narHash`, its sha256 NAR hash, when the algorithm is that), or for `text:` and flat
 * objects, single regular files, the file's bytes'. Nix: `hashPath` / `hashFile` by method.
 */
export async function contentAddressHash(path: string, method: ContentAddressMethod, algo: HashAlgo, narHash: Hash): Promise<Hash> {
  if (method === 'nar') return algo === narHash.algo ? narHash : (await hashPath(path, algo)).hash;
  return hashFile(path, algo);
}

function mismatch(printed: string, detail: string): StoreError {
  return new StoreError('E_CA_HASH_MISMATCH', `ca hash mismatch importing path '${printed}';${detail.startsWith('\n') ? '' : ' '}${detail}`, { storePath: printed });
}
