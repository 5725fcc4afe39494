/**
 * The node's persistent identity: an Ed25519 libp2p key in `<state>/identity.key`
 * (libp2p's protobuf key encoding, mode 0600). Created on first start; the peer id stays
 * the same across restarts so peers' provider records and bootstrap lists stay valid.
 */

import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export const IDENTITY_FILE = 'identity.key';

export async function loadOrCreateIdentity(stateDir: string): Promise<PrivateKey> {
  const path = join(stateDir, IDENTITY_FILE);
  try {
    return privateKeyFromProtobuf(await readFile(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`Cannot read the node identity '${path}': ${(e as Error).message}`, { cause: e });
    }
  }
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const key = await generateKeyPair('Ed25519');
  // Write then rename, so a crash never leaves a truncated key behind.
  const tmp = `${path}.tmp.${process.pid}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(privateKeyToProtobuf(key));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  return key;
}
