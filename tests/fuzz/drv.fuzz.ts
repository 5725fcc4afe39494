/**
 * Fuzz target: `.drv` ATerm parsing (src/store/drv/aterm-parse.ts).
 *
 * Contract: `parseDerivation` returns a Derivation or throws a `FormatError` with an
 * `E_...` code and a byte offset inside the input. Round trip: the printed form of an
 * accepted derivation parses again, to a derivation that prints the same bytes (printing
 * is canonical: sorted maps, Nix's escapes), unless a field Nix prints raw holds a quote
 * or backslash.
 */

import { printDerivation } from '../../src/store/drv/aterm-print.ts';
import { parseDerivation } from '../../src/store/drv/aterm-parse.ts';
import type { Derivation } from '../../src/store/drv/derivation.ts';
import { StoreDir } from '../../src/store/store-dir.ts';
import { expectSame, parseOrReject, violation } from './support/contract.ts';

const DIR = new StoreDir('/nix/store');
/** Seeds are written for this derivation name (it decides fixed-output paths). */
export const DRV_NAME = 'fuzz';

/**
 * Nix prints the system, output names and input output names raw (`printUnquotedString`)
 * although it parses them as escaped strings; with a `"` or `\` in one, the printed file
 * does not parse back to the same derivation in Nix either (see aterm-print.ts), so the
 * round trip is only checked without them.
 */
function rawFieldsUnprintable(drv: Derivation): boolean {
  const bad = (x: string) => x.includes('"') || x.includes('\\');
  return bad(drv.system) || [...drv.outputs.keys()].some(bad) || drv.inputDrvs.some((i) => i.outputs.some(bad));
}

export function fuzz(data: Buffer): void {
  const drv = parseOrReject(() => parseDerivation(data, { name: DRV_NAME, storeDir: DIR }), {
    names: ['FormatError'],
    location: 'offset',
    extent: data.length,
  });
  if (!drv) return;
  if (rawFieldsUnprintable(drv)) return;
  const printed = printDerivation(drv, DIR);
  let again;
  try {
    again = parseDerivation(printed, { name: DRV_NAME, storeDir: DIR });
  } catch (e) {
    violation(`the printed form of an accepted derivation does not parse: ${(e as Error).message}`, e);
  }
  expectSame('print(parse(x)) and print(parse(print(parse(x))))', Buffer.from(printed).toString('latin1'), Buffer.from(printDerivation(again, DIR)).toString('latin1'));
}
