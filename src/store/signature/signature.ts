/**
 * Detached signatures as they appear in narinfo `Sig:` lines and path infos:
 * `<key name>:<base64 of a 64-byte ed25519 signature>`. Verification looks the key up by
 * name in the trusted keyring: a signature by an unknown key is not an error, just not
 * evidence. Nix: `Signature`, `verifyDetached` (libutil/signature/local-keys.cc).
 */

import { FormatError } from '../../errors.ts';
import { decodeBase64Strict, encodeBase64 } from '../../util/base64.ts';
import { utf8 } from '../../util/bytes.ts';
import { ED25519_SIGNATURE_BYTES, ed25519Sign, ed25519Verify } from './ed25519.ts';
import type { PublicKeyring, SecretKey } from './keys.ts';

export interface Signature {
  readonly keyName: string;
  /** 64 bytes. */
  readonly sig: Uint8Array;
}

/** Parse `name:base64`; throws a FormatError saying what is wrong. Nix: `Signature::parse`. */
export function parseSignature(s: string): Signature {
  const colon = s.indexOf(':');
  const corrupt = (why: string) => new FormatError('E_SIGNATURE_FORMAT', `signature '${s}' is corrupt: ${why}`);
  if (colon < 0) throw corrupt("expected '<key name>:<base64>'");
  if (colon === 0) throw corrupt('the key name is empty');
  const sig = decodeBase64Strict(s.slice(colon + 1));
  if (!sig) throw corrupt('the signature is not valid base64');
  if (sig.length !== ED25519_SIGNATURE_BYTES) throw corrupt(`it has ${sig.length} bytes, expected ${ED25519_SIGNATURE_BYTES}`);
  return { keyName: s.slice(0, colon), sig };
}

export function printSignature(sig: Signature): string {
  return `${sig.keyName}:${encodeBase64(sig.sig)}`;
}

function messageBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? utf8(data) : data;
}

/** Sign `data` (a fingerprint) and return the `name:base64` signature. Nix: `SecretKey::signDetached`. */
export function signDetached(key: SecretKey, data: string | Uint8Array): string {
  return printSignature({ keyName: key.name, sig: ed25519Sign(key.key, messageBytes(data)) });
}

/** The outcome of checking one signature against a keyring. */
export type SignatureCheck =
  | { readonly status: 'valid'; readonly keyName: string }
  /** Signed by a key that is not in the keyring: ignored, as Nix does. */
  | { readonly status: 'untrusted'; readonly keyName: string }
  /** The key is trusted but the signature does not verify (wrong data or forged). */
  | { readonly status: 'invalid'; readonly keyName: string }
  | { readonly status: 'malformed'; readonly reason: string };

/** Check one `name:base64` signature of `data`. Nix: `verifyDetached(data, sig, publicKeys)`. */
export function verifyDetached(data: string | Uint8Array, signature: string, keys: PublicKeyring): SignatureCheck {
  let sig: Signature;
  try {
    sig = parseSignature(signature);
  } catch (e) {
    return { status: 'malformed', reason: (e as Error).message };
  }
  const key = keys.get(sig.keyName);
  if (!key) return { status: 'untrusted', keyName: sig.keyName };
  return ed25519Verify(key.key, messageBytes(data), sig.sig) ? { status: 'valid', keyName: sig.keyName } : { status: 'invalid', keyName: sig.keyName };
}
