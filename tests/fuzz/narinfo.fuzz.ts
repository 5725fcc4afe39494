/**
 * Fuzz target: narinfo parsing (src/store/narinfo.ts).
 *
 * Contract: `parseNarInfo` returns a NarInfo or throws a `NarInfoFormatError` with an
 * `E_NARINFO_...` code and the 1-based line (only "not UTF-8" and a missing required field
 * concern the file as a whole). Round trip: `printNarInfo` of an accepted narinfo parses
 * again to the same fields and prints the same text.
 */

import { printContentAddress, type ContentAddress } from '../../src/store/content-address.ts';
import { type NarInfo, parseNarInfo, printNarInfo } from '../../src/store/narinfo.ts';
import { expectSame, lineCount, parseOrReject, violation } from './support/contract.ts';

/** The fields of a narinfo as one comparable string (sets sorted, as Nix stores them). */
export function narInfoFields(n: NarInfo): string {
  return JSON.stringify({
    path: n.path.baseName,
    url: n.url,
    compression: n.compression === '' ? 'bzip2' : n.compression,
    fileHash: n.fileHash?.toString('nix32', true),
    fileSize: n.fileSize,
    narHash: n.narHash.toString('nix32', true),
    narSize: n.narSize,
    references: n.references.map((r) => r.baseName).sort(),
    deriver: n.deriver?.baseName,
    system: n.system,
    sigs: [...new Set(n.sigs)].sort(),
    ca: n.ca ? printContentAddress(n.ca as ContentAddress) : undefined,
    extra: n.extra,
  });
}

export function fuzz(data: Buffer): void {
  const info = parseOrReject(() => parseNarInfo(data), {
    names: ['NarInfoFormatError'],
    location: 'line',
    extent: lineCount(data.toString('latin1')),
    wholeInputCodes: ['E_NARINFO_ENCODING', 'E_NARINFO_MISSING'],
  });
  if (!info) return;
  const printed = printNarInfo(info);
  let again: NarInfo;
  try {
    again = parseNarInfo(printed);
  } catch (e) {
    violation(`the printed form of an accepted narinfo does not parse: ${(e as Error).message}\n${printed}`, e);
  }
  expectSame('fields of parse(x) and parse(print(parse(x)))', narInfoFields(info), narInfoFields(again));
  expectSame('print(parse(x)) and print(parse(print(parse(x))))', printed, printNarInfo(again));
}
