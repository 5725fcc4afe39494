/**
 * The trust decision for a store object offered by someone else (a binary cache, a peer):
 * may tix register it? A parsed narinfo is authenticated data that has not been verified;
 * this module verifies it, purely, from the path info, the trusted keys and `require-sigs`.
 * Nix: `Store::pathInfoIsUntrusted` → `ValidPathInfo::checkSignatures`.
 *
 * Accepted when, in this order:
 *  1. `require-sigs` is off (the substituter is trusted wholesale), or
 *  2. its content address really determines its path (recomputed from CA + references +
 *     name, so nobody can vouch for it falsely), or
 *  3. at least one signature over its fingerprint verifies with a trusted key.
 * Otherwise rejected with a reason naming what was found: no signatures, only untrusted
 * signers, signatures that do not verify, malformed ones, a false CA claim.
 * Checking the NAR against narHash/narSize happens later, while it streams in.
 */

import { fingerprintPathInfo, isContentAddressed, type ValidPathInfo } from '../store/path-info.ts';
import type { PublicKeyring } from '../store/signature/keys.ts';
import { verifyDetached } from '../store/signature/signature.ts';
import type { StoreDir } from '../store/store-dir.ts';
import type { StorePath } from '../store/store-path.ts';

export interface TrustPolicy {
  /** `trusted-public-keys` (plus the public halves of `secret-key-files`). */
  readonly trustedKeys: PublicKeyring;
  /** `require-sigs`: Nix's default is true. */
  readonly requireSigs: boolean;
  readonly storeDir: StoreDir;
}

export type Verdict =
  | { readonly ok: true; readonly how: 'signatures-not-required' | 'content-addressed' }
  | { readonly ok: true; readonly how: 'signed'; readonly keyName: string }
  /** `forged`: a signature by a trusted key that does not verify, or a false CA claim (a lie, not a stranger). */
  | { readonly ok: false; readonly reason: string; readonly forged?: boolean };

export interface CheckOptions {
  /** The path that was asked for; a path info for any other path is refused. */
  readonly expectedPath?: StorePath;
}

/** Decide whether `info` may be trusted under `policy`. */
export function checkPathInfo(info: ValidPathInfo, policy: TrustPolicy, options: CheckOptions = {}): Verdict {
  const { storeDir } = policy;
  const path = storeDir.printPath(info.path);
  if (options.expectedPath && !options.expectedPath.equals(info.path)) {
    return { ok: false, reason: `path info is for '${path}', not for the requested '${storeDir.printPath(options.expectedPath)}'` };
  }
  if (!policy.requireSigs) return { ok: true, how: 'signatures-not-required' };

  const notes: string[] = [];
  let forged = false;
  if (info.ca) {
    if (isContentAddressed(info, storeDir)) return { ok: true, how: 'content-addressed' };
    notes.push('it claims to be content-addressed but its CA does not match its path');
    forged = true;
  }

  let fingerprint: string;
  try {
    fingerprint = fingerprintPathInfo(info, storeDir);
  } catch (e) {
    return { ok: false, reason: `path '${path}' cannot be verified: ${(e as Error).message}` };
  }
  const untrusted: string[] = [];
  for (const sig of info.sigs) {
    const r = verifyDetached(fingerprint, sig, policy.trustedKeys);
    if (r.status === 'valid') return { ok: true, how: 'signed', keyName: r.keyName };
    if (r.status === 'untrusted') untrusted.push(`'${r.keyName}'`);
    else if (r.status === 'invalid') {
      notes.push(`the signature by trusted key '${r.keyName}' does not verify`);
      forged = true;
    }
    else notes.push(r.reason);
  }
  if (info.sigs.length === 0) notes.push('it has no signatures');
  if (untrusted.length > 0) notes.push(`it is signed only by keys that are not trusted: ${[...new Set(untrusted)].join(', ')}`);
  if (policy.trustedKeys.size === 0) notes.push("'trusted-public-keys' is empty");
  const reason = `path '${path}' is not signed by any of the keys in 'trusted-public-keys': ${notes.join('; ')}`;
  return forged ? { ok: false, reason, forged } : { ok: false, reason };
}
