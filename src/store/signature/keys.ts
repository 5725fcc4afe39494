/**
 * Signing key files, as `nix-store --generate-binary-cache-key` and `nix key` write them:
 *
 *   <name>:<base64 of 64 bytes: ed25519 seed ‖ public key>     secret key
 *   <name>:<base64 of 32 bytes: ed25519 public key>            public key
 *
 * Nix writes them without a trailing newline; readers here trim surrounding whitespace.
 * The name is everything before the first ':' and must not be empty. Unlike Nix, a secret
 * key whose second half is not the public key of its seed is refused (libsodium would sign
 * with the wrong public key and every signature would fail to verify).
 * Nix: `SecretKey`, `PublicKey`, `Key` (libutil/signature/local-keys.cc).
 */

import { FormatError, InvalidValueError } from '../../errors.ts';
import { decodeBase64Strict, encodeBase64 } from '../../util/base64.ts';
import { bytesEqual } from '../../util/bytes.ts';
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SECRET_KEY_BYTES, ED25519_SEED_BYTES, keyPairFromSeed } from './ed25519.ts';

export interface SecretKey {
  readonly name: string;
  /** 64 bytes: seed ‖ public key. */
  readonly key: Uint8Array;
}

export interface PublicKey {
  readonly name: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
}

/** Trusted public keys by name. Nix: `PublicKeys`. */
export type PublicKeyring = ReadonlyMap<string, PublicKey>;

function splitKey(text: string, kind: string, whence: string | undefined): { name: string; data: Uint8Array } {
  const s = text.trim();
  const where = whence ? ` in '${whence}'` : '';
  const corrupt = (why: string) => new FormatError('E_KEY_FORMAT', `${kind} key${where} is corrupt: ${why}`, { whence });
  const colon = s.indexOf(':');
  if (colon < 0) throw corrupt("expected '<name>:<base64>'");
  if (colon === 0) throw corrupt('the key name is empty');
  const data = decodeBase64Strict(s.slice(colon + 1));
  if (!data) throw corrupt('the key is not valid base64');
  if (data.length === 0) throw corrupt('the key is empty');
  return { name: s.slice(0, colon), data };
}

/** Parse a secret key file's contents. */
export function parseSecretKey(text: string, whence?: string): SecretKey {
  const { name, data } = splitKey(text, 'secret', whence);
  if (data.length !== ED25519_SECRET_KEY_BYTES) {
    throw new FormatError('E_KEY_FORMAT', `secret key '${name}' is not valid: it has ${data.length} bytes, expected ${ED25519_SECRET_KEY_BYTES}`, { whence });
  }
  const { publicKey } = keyPairFromSeed(data.subarray(0, ED25519_SEED_BYTES));
  if (!bytesEqual(publicKey, data.subarray(ED25519_SEED_BYTES))) {
    throw new FormatError('E_KEY_FORMAT', `secret key '${name}' is not valid: its public half does not belong to its seed`, { whence });
  }
  return { name, key: data };
}

/** Parse a public key (a key file's contents or one entry of `trusted-public-keys`). */
export function parsePublicKey(text: string, whence?: string): PublicKey {
  const { name, data } = splitKey(text, 'public', whence);
  if (data.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new FormatError('E_KEY_FORMAT', `public key '${name}' is not valid: it has ${data.length} bytes, expected ${ED25519_PUBLIC_KEY_BYTES}`, { whence });
  }
  return { name, key: data };
}

/** `name:base64`, without a newline, as Nix writes key files. */
export function printSecretKey(k: SecretKey): string {
  return `${k.name}:${encodeBase64(k.key)}`;
}

export function printPublicKey(k: PublicKey): string {
  return `${k.name}:${encodeBase64(k.key)}`;
}

function checkKeyName(name: string): void {
  if (name === '' || name.includes(':') || /\s/.test(name)) {
    throw new InvalidValueError('E_KEY_NAME', `invalid key name '${name}': it must be non-empty, without ':' or whitespace`);
  }
}

/**
 * A secret key from 32 random bytes; the caller supplies the randomness
 * (`crypto.randomBytes(32)`). Nix: `SecretKey::generate`.
 */
export function generateSecretKey(name: string, seed: Uint8Array): SecretKey {
  checkKeyName(name);
  return { name, key: keyPairFromSeed(seed).secretKey };
}

/** The public half. Nix: `SecretKey::toPublicKey`. */
export function toPublicKey(k: SecretKey): PublicKey {
  return { name: k.name, key: k.key.slice(ED25519_SEED_BYTES) };
}

/**
 * A keyring from a whitespace-separated list of public keys (the `trusted-public-keys`
 * setting). When a name repeats, the first key wins, as in Nix's `getPublicKeys`. An
 * invalid key throws, or with `onInvalid` is reported there and left out (a daemon or a
 * build keeps going with the keys it can use).
 */
export function parsePublicKeys(list: string | readonly string[], whence = 'trusted-public-keys', onInvalid?: (e: Error) => void): Map<string, PublicKey> {
  const items = typeof list === 'string' ? list.split(/\s+/) : list.flatMap((s) => s.split(/\s+/));
  const ring = new Map<string, PublicKey>();
  for (const item of items) {
    if (item === '') continue;
    let k: PublicKey;
    try {
      k = parsePublicKey(item, whence);
    } catch (e) {
      if (!onInvalid) throw e;
      onInvalid(e as Error);
      continue;
    }
    if (!ring.has(k.name)) ring.set(k.name, k);
  }
  return ring;
}
