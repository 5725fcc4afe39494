/**
 * Print a derivation in the ATerm form of `.drv` files, byte for byte as Nix does.
 * Nix: `Derivation::unparse` (2.8 derivations.cc; upstream derivation/aterm.cc).
 *
 *   Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])
 *   output   = ("name","path","hashAlgo","hash")   hashAlgo = [r:|text:]algo, hash in base16
 *   inputDrv = ("/nix/store/…drv",["out",…])
 *   env      = ("name","value")
 *
 * Maps and sets are printed sorted by bytes. Only builder, args and env names and values
 * are escaped (`"` `\` newline, CR and tab); output names, paths, hashes, input output names
 * and the system are printed raw, as Nix prints them (`printUnquotedString`) — a system
 * containing a quote gives an unparsable file in Nix too.
 */

import { hashBytes } from '../../hash/digest.ts';
import type { Hash } from '../../hash/hash.ts';
import { assertByteString } from '../../util/byte-string.ts';
import { compareStrings } from '../../util/bytes.ts';
import { methodPrefix } from '../content-address.ts';
import type { StoreDir } from '../store-dir.ts';
import { type Derivation, type DerivationOutput, fixedOutputPath } from './derivation.ts';

export interface UnparseOptions {
  /** Blank output paths and the env vars named after outputs (the "masked" form hashed for output paths). */
  readonly maskOutputs?: boolean;
  /**
   * Print these inputs instead of `drv.inputDrvs`: base16 hash modulo of an input → output
   * names. This is the form `hashDerivationModulo` hashes.
   */
  readonly actualInputs?: ReadonlyMap<string, Iterable<string>>;
}

const NEEDS_ESCAPE = /["\\\n\r\t]/;
const ESCAPE = /["\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A quoted, escaped string. Nix: `printString`. */
function quoted(s: string, what: string): string {
  assertByteString(s, what);
  return '"' + (NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE, (c) => ESCAPES[c]!) : s) + '"';
}

/** A quoted string printed without escaping. Nix: `printUnquotedString`. */
function raw(s: string, what: string): string {
  assertByteString(s, what);
  return '"' + s + '"';
}

function rawList(items: Iterable<string>, what: string): string {
  const parts: string[] = [];
  for (const s of items) parts.push(raw(s, what));
  return '[' + parts.join(',') + ']';
}

/** Sorted, duplicate-free copy of a list of byte strings (a C++ std::set). */
function sortedSet(items: Iterable<string>): string[] {
  return [...new Set(items)].sort(compareStrings);
}

function unparseOutput(drv: Derivation, storeDir: StoreDir, name: string, o: DerivationOutput, mask: boolean): string {
  switch (o.type) {
    case 'inputAddressed':
      return `,"${mask ? '' : storeDir.printPath(o.path)}","",""`;
    case 'caFixed': {
      const path = mask ? '' : storeDir.printPath(fixedOutputPath(storeDir, drv.name, name, o));
      return `,"${path}","${methodPrefix(o.method)}${o.hash.algo}","${o.hash.base16}"`;
    }
    case 'caFloating':
      return `,"","${methodPrefix(o.method)}${o.hashAlgo}",""`;
    case 'deferred':
      return ',"","",""';
    case 'impure':
      return `,"","${methodPrefix(o.method)}${o.hashAlgo}","impure"`;
  }
}

/** The ATerm text of a derivation as a byte string. Nix: `Derivation::unparse`. */
export function unparseDerivation(drv: Derivation, storeDir: StoreDir, options: UnparseOptions = {}): string {
  const mask = options.maskOutputs ?? false;
  let s = 'Derive([';

  const outputNames = [...drv.outputs.keys()].sort(compareStrings);
  s += outputNames.map((name) => '(' + raw(name, 'output name') + unparseOutput(drv, storeDir, name, drv.outputs.get(name)!, mask) + ')').join(',');

  s += '],[';
  let inputs: [string, string[]][];
  if (options.actualInputs) {
    inputs = [...options.actualInputs].map(([k, v]) => [k, sortedSet(v)]);
  } else {
    // Merge duplicate paths: inputDrvs is a map in Nix.
    const byPath = new Map<string, string[]>();
    for (const i of drv.inputDrvs) {
      const p = storeDir.printPath(i.path);
      byPath.set(p, (byPath.get(p) ?? []).concat(i.outputs));
    }
    inputs = [...byPath].map(([k, v]) => [k, sortedSet(v)]);
  }
  inputs.sort((a, b) => compareStrings(a[0], b[0]));
  s += inputs.map(([k, outs]) => '(' + raw(k, 'input derivation') + ',' + rawList(outs, 'input output name') + ')').join(',');

  s += '],';
  s += rawList(sortedSet(drv.inputSrcs.map((p) => storeDir.printPath(p))), 'input source');
  s += ',' + raw(drv.system, 'system');
  s += ',' + quoted(drv.builder, 'builder');
  s += ',[' + drv.args.map((a) => quoted(a, 'argument')).join(',') + ']';

  s += ',[';
  const envNames = [...drv.env.keys()].sort(compareStrings);
  s += envNames
    .map((k) => '(' + quoted(k, 'environment variable name') + ',' + quoted(mask && drv.outputs.has(k) ? '' : drv.env.get(k)!, 'environment variable value') + ')')
    .join(',');
  s += '])';
  return s;
}

/** The `.drv` file bytes of a derivation. */
export function printDerivation(drv: Derivation, storeDir: StoreDir): Uint8Array {
  return new Uint8Array(Buffer.from(unparseDerivation(drv, storeDir), 'latin1'));
}

/** sha256 of the ATerm text (a byte string) in the given form. */
export function hashUnparsed(text: string): Hash {
  return hashBytes('sha256', Buffer.from(text, 'latin1'));
}
