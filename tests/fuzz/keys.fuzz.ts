/**
 * Fuzz target: signing key files, `trusted-public-keys` lists and detached signatures
 * (src/store/signature/).
 *
 * Contract: each parser returns a value or throws a `FormatError` with an `E_KEY_FORMAT` /
 * `E_SIGNATURE_FORMAT` code (a key is one token: no location). Round trips: an accepted key
 * or signature prints back as its trimmed input (base64 is decoded strictly, so the text
 * is canonical). An accepted secret key signs the input, and its public half verifies that
 * signature; a parsed signature checked against a keyring never throws.
 */

import { parsePublicKey, parsePublicKeys, parseSecretKey, printPublicKey, printSecretKey, toPublicKey } from '../../src/store/signature/keys.ts';
import { parseSignature, printSignature, signDetached, verifyDetached } from '../../src/store/signature/signature.ts';
import { expectSame, parseOrReject, violation } from './support/contract.ts';

const KEY_ERRORS = { names: ['FormatError'] } as const;

export function fuzz(data: Buffer): void {
  const text = data.toString('utf8');

  const secret = parseOrReject(() => parseSecretKey(text, 'fuzz.sec'), KEY_ERRORS);
  if (secret) {
    expectSame('secret key text and print(parse(text))', text.trim(), printSecretKey(secret));
    const pub = toPublicKey(secret);
    const sig = signDetached(secret, data);
    const check = verifyDetached(data, sig, new Map([[pub.name, pub]]));
    if (check.status !== 'valid') violation(`a signature by '${secret.name}' does not verify with its own public key: ${JSON.stringify(check)}`);
  }

  const pub = parseOrReject(() => parsePublicKey(text, 'fuzz.pub'), KEY_ERRORS);
  if (pub) expectSame('public key text and print(parse(text))', text.trim(), printPublicKey(pub));

  const ring = parseOrReject(() => parsePublicKeys(text), KEY_ERRORS);
  if (ring) {
    for (const [name, k] of ring) if (k.name !== name) violation(`keyring entry '${name}' holds key '${k.name}'`);
  }

  const sig = parseOrReject(() => parseSignature(text), { names: ['FormatError'] });
  if (sig) {
    expectSame('signature text and print(parse(text))', text, printSignature(sig));
    const check = verifyDetached(data, text, ring ?? new Map());
    if (check.status === 'valid' && !ring?.has(sig.keyName)) violation('a signature verified without its key in the keyring');
  }
}
