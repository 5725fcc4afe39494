/**
 * Content addresses (the narinfo / path-info `CA` field):
 * `text:sha256:<nix32>`, `fixed:<algo>:<nix32>` (flat file), `fixed:r:<algo>:<nix32>` (NAR).
 * Nix: `ContentAddress::render` / `ContentAddress::parse`.
 */

import { FormatError } from '../errors.ts';
import { type HashAlgo, parseHashAlgo } from '../hash/algo.ts';
import { Hash, parseHashUnprefixed } from '../hash/hash.ts';

/** How a store object's contents were hashed: text (flat, sha256, `text:`), flat file, or NAR ("recursive"). */
export type ContentAddressMethod = 'text' | 'flat' | 'nar';

export interface ContentAddress {
  readonly method: ContentAddressMethod;
  readonly hash: Hash;
}

/** The method prefix without the algorithm: '', 'r:' or 'text:' (Nix: `renderPrefix`). */
export function methodPrefix(m: ContentAddressMethod): string {
  return m === 'text' ? 'text:' : m === 'nar' ? 'r:' : '';
}

/** `fixed:r:sha256` style rendering of a method with its algorithm (Nix: `renderWithAlgo`). */
export function renderMethodWithAlgo(m: ContentAddressMethod, algo: HashAlgo): string {
  return (m === 'text' ? 'text:' : m === 'nar' ? 'fixed:r:' : 'fixed:') + algo;
}

export function printContentAddress(ca: ContentAddress): string {
  return `${renderMethodWithAlgo(ca.method, ca.hash.algo)}:${ca.hash.nix32}`;
}

export function parseContentAddress(s: string): ContentAddress {
  const bad = (why: string) => new FormatError('E_CA', `invalid content address '${s}': ${why}`);
  let rest: string;
  let method: ContentAddressMethod;
  if (s.startsWith('text:')) {
    method = 'text';
    rest = s.slice(5);
  } else if (s.startsWith('fixed:r:')) {
    method = 'nar';
    rest = s.slice(8);
  } else if (s.startsWith('fixed:git:')) {
    throw bad('git hashing is not supported');
  } else if (s.startsWith('fixed:')) {
    method = 'flat';
    rest = s.slice(6);
  } else {
    throw bad("expected a 'text:' or 'fixed:' prefix");
  }
  const colon = rest.indexOf(':');
  if (colon < 0) throw bad('missing hash algorithm');
  let algo: HashAlgo;
  try {
    algo = parseHashAlgo(rest.slice(0, colon));
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (method === 'text' && algo !== 'sha256') throw bad('text hashing requires sha256');
  try {
    return { method, hash: parseHashUnprefixed(rest.slice(colon + 1), algo) };
  } catch (e) {
    throw bad((e as Error).message);
  }
}
