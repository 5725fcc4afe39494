/**
 * Ed25519 primitives with libsodium's key layout (what Nix uses): a 32-byte seed, a
 * 64-byte secret key = seed ‖ public key, a 32-byte public key, 64-byte detached signatures.
 *
 * Key derivation uses tweetnacl (`nacl.sign.keyPair.fromSeed`). Signing and verifying use
 * Node's crypto (OpenSSL): measured here, tweetnacl verifies ~80 signatures/s against
 * OpenSSL's ~5,000/s (see bench/formats), and a substituter checks one per path. The
 * algorithm is deterministic (RFC 8032), so both produce identical signatures; the tests
 * cross-check them.
 */

import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import nacl from 'tweetnacl';
import { InvalidValueError } from '../../errors.ts';

export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_KEY_BYTES = 32;
/** libsodium's secret key: seed followed by the public key. */
export const ED25519_SECRET_KEY_BYTES = 64;
export const ED25519_SIGNATURE_BYTES = 64;

// DER prefixes of PKCS#8 (private) and SPKI (public) Ed25519 keys (RFC 8410); the key bytes follow.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Key objects are costly to build; keyed by the byte arrays the key values hold.
const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const publicKeys = new WeakMap<Uint8Array, KeyObject>();

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new InvalidValueError('E_ED25519', `${what} must be ${n} bytes, not ${b.length}`);
}

/** The 64-byte secret key and 32-byte public key of a seed. Nix: `crypto_sign_seed_keypair`. */
export function keyPairFromSeed(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  checkLength(seed, ED25519_SEED_BYTES, 'an ed25519 seed');
  const kp = nacl.sign.keyPair.fromSeed(seed);
  return { secretKey: kp.secretKey, publicKey: kp.publicKey };
}

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  let k = privateKeys.get(secretKey);
  if (!k) {
    const der = Buffer.concat([PKCS8_PREFIX, secretKey.subarray(0, ED25519_SEED_BYTES)]);
    k = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    privateKeys.set(secretKey, k);
  }
  return k;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  let k = publicKeys.get(publicKey);
  if (!k) {
    k = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    publicKeys.set(publicKey, k);
  }
  return k;
}

/** Detached signature of `message` with a 64-byte secret key. Nix: `crypto_sign_detached`. */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  checkLength(secretKey, ED25519_SECRET_KEY_BYTES, 'an ed25519 secret key');
  return new Uint8Array(sign(null, message, privateKeyObject(secretKey)));
}

/** True when `signature` is a valid signature of `message` by `publicKey`. Nix: `crypto_sign_verify_detached`. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  checkLength(publicKey, ED25519_PUBLIC_KEY_BYTES, 'an ed25519 public key');
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return verify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    // OpenSSL refuses some public keys that are not curve points.
    return false;
  }
}
