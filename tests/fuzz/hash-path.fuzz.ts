/**
 * Fuzz target: the small text formats every other format embeds — hashes in all four
 * encodings (src/hash/hash.ts, nix32.ts), store path base names and absolute store paths
 * (src/store/store-path.ts, store-dir.ts) and content addresses
 * (src/store/content-address.ts).
 *
 * Contract: each parser returns a value or throws `InvalidValueError` / `StorePathError` /
 * `FormatError` with an `E_...` code. Round trips: a parsed hash prints in every format and
 * each form parses back to the same digest; a store path's base name and absolute form
 * print back to what parses to the same path; a content address prints canonically.
 */

import { HASH_FORMATS, type Hash, parseHash, parseHashSri } from '../../src/hash/hash.ts';
import { decodeNix32, encodeNix32 } from '../../src/hash/nix32.ts';
import { parseContentAddress, printContentAddress } from '../../src/store/content-address.ts';
import { StoreDir } from '../../src/store/store-dir.ts';
import { StorePath } from '../../src/store/store-path.ts';
import { expectSame, parseOrReject, violation } from './support/contract.ts';

const ERRORS = { names: ['InvalidValueError', 'StorePathError', 'FormatError'] } as const;
const DIR = new StoreDir('/nix/store');

function roundTripHash(h: Hash, what: string): void {
  for (const format of HASH_FORMATS) {
    for (const withAlgo of [true, false]) {
      if (format === 'sri' && !withAlgo) continue;
      const text = h.toString(format, withAlgo);
      let back: Hash;
      try {
        back = parseHash(text, h.algo);
      } catch (e) {
        violation(`${what}: printed hash '${text}' does not parse: ${(e as Error).message}`, e);
      }
      if (!back.equals(h)) violation(`${what}: '${text}' parses to a different hash`);
    }
  }
}

export function fuzz(data: Buffer): void {
  const text = data.toString('utf8');

  const any = parseOrReject(() => parseHash(text), ERRORS);
  if (any) roundTripHash(any, 'parseHash');
  for (const algo of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
    const h = parseOrReject(() => parseHash(text, algo), ERRORS);
    if (h) roundTripHash(h, `parseHash(${algo})`);
  }
  const sri = parseOrReject(() => parseHashSri(text), ERRORS);
  // Like Nix (base64Decode), the unused low bits of the last base64 digit are ignored:
  // `sha256-…SI7=` and `…SI4=` are the same hash, so compare digests, not text.
  if (sri) {
    const again = parseOrReject(() => parseHashSri(sri.sri), ERRORS);
    if (!again?.equals(sri)) violation(`SRI '${text}' prints as '${sri.sri}', which does not parse to the same hash`);
  }

  const digest = parseOrReject(() => decodeNix32(text), ERRORS);
  if (digest) expectSame('nix32 text and encode(decode(text))', text, encodeNix32(digest));

  const base = parseOrReject(() => new StorePath(text), ERRORS);
  if (base) expectSame('store path base name and print(parse(name))', text, base.baseName);

  const abs = parseOrReject(() => DIR.parsePath(text), ERRORS);
  if (abs) {
    const printed = DIR.printPath(abs);
    const again = parseOrReject(() => DIR.parsePath(printed), ERRORS);
    if (!again?.equals(abs)) violation(`printed store path '${printed}' does not parse to the same path`);
  }

  const dir = parseOrReject(() => new StoreDir(text), ERRORS);
  if (dir && base) {
    const p = dir.printPath(base);
    const back = parseOrReject(() => dir.parsePath(p), ERRORS);
    // canonicalisation may move a path out of a store dir with `.` or `..` in it; only a canonical dir must round-trip
    if (!back?.equals(base) && !/(^|\/)\.\.?(\/|$)|\/\//.test(dir.dir)) violation(`'${p}' does not parse back in store dir '${dir.dir}'`);
  }

  const ca = parseOrReject(() => parseContentAddress(text), ERRORS);
  if (ca) {
    const printed = printContentAddress(ca);
    const again = parseOrReject(() => parseContentAddress(printed), ERRORS);
    if (!again || again.method !== ca.method || !again.hash.equals(ca.hash)) violation(`printed content address '${printed}' does not parse to the same value`);
  }
}
