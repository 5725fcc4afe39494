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
import { assertByteString, isByteString } from '../../util/byte-string.ts';
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

/** A quoted, escaped string. Nix: `printString`. Byte-string checks happen once, on the whole text. */
function quoted(s: string): string {
  // Native replaceAll passes beat one regex with a callback per escaped character.
  if (s.includes('\\')) s = s.replaceAll('\\', '\\\\');
  if (s.includes('"')) s = s.replaceAll('"', '\\"');
  if (s.includes('\n')) s = s.replaceAll('\n', '\\n');
  if (s.includes('\r')) s = s.replaceAll('\r', '\\r');
  if (s.includes('\t')) s = s.replaceAll('\t', '\\t');
  return '"' + s + '"';
}

/** A quoted string printed without escaping. Nix: `printUnquotedString`. */
function raw(s: string): string {
  return '"' + s + '"';
}

function rawList(items: Iterable<string>): string {
  const parts: string[] = [];
  for (const s of items) parts.push(raw(s));
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

/** Names of a map, sorted by bytes: insertion sort for the few names derivations have (the engine's sort allocates). */
function sortedKeys(m: ReadonlyMap<string, unknown>): string[] {
  const keys = Array.from(m.keys());
  if (keys.length > 16) return keys.sort(compareStrings);
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > k; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * The ATerm text of a derivation as a byte string. Nix: `Derivation::unparse`.
 * Built as one list of pieces joined once: evaluation prints two of these per derivation.
 */
export function unparseDerivation(drv: Derivation, storeDir: StoreDir, options: UnparseOptions = {}): string {
  const mask = options.maskOutputs ?? false;
  const out: string[] = ['Derive(['];

  const outputNames = sortedKeys(drv.outputs);
  for (let i = 0; i < outputNames.length; i++) {
    const name = outputNames[i]!;
    if (i > 0) out.push(',');
    out.push('(', raw(name), unparseOutput(drv, storeDir, name, drv.outputs.get(name)!, mask), ')');
  }

  out.push('],[');
  let inputs: [string, string[]][];
  if (options.actualInputs) {
    inputs = [...options.actualInputs].map(([k, v]) => [k, sortedSet(v)]);
  } else if (drv.inputDrvs.length === 0) {
    inputs = [];
  } else {
    // Merge duplicate paths: inputDrvs is a map in Nix.
    const byPath = new Map<string, string[]>();
    for (const i of drv.inputDrvs) {
      const p = storeDir.printPath(i.path);
      byPath.set(p, (byPath.get(p) ?? []).concat(i.outputs));
    }
    inputs = [...byPath].map(([k, v]) => [k, sortedSet(v)]);
  }
  if (inputs.length > 1) inputs.sort((a, b) => compareStrings(a[0], b[0]));
  for (let i = 0; i < inputs.length; i++) {
    if (i > 0) out.push(',');
    out.push('(', raw(inputs[i]![0]), ',', rawList(inputs[i]![1]), ')');
  }

  out.push('],');
  out.push(drv.inputSrcs.length === 0 ? '[]' : rawList(sortedSet(drv.inputSrcs.map((p) => storeDir.printPath(p)))));
  out.push(',', raw(drv.system), ',', quoted(drv.builder), ',[');
  for (let i = 0; i < drv.args.length; i++) {
    if (i > 0) out.push(',');
    out.push(quoted(drv.args[i]!));
  }

  out.push('],[');
  const envNames = sortedKeys(drv.env);
  for (let i = 0; i < envNames.length; i++) {
    const k = envNames[i]!;
    if (i > 0) out.push(',');
    out.push('(', quoted(k), ',', quoted(mask && drv.outputs.has(k) ? '' : drv.env.get(k)!), ')');
  }
  out.push('])');
  const s = out.join('');
  if (!isByteString(s)) assertDerivationBytes(drv);
  return s;
}

/** Throw naming the first string of `drv` that is not a byte string. */
function assertDerivationBytes(drv: Derivation): void {
  assertByteString(drv.system, 'system');
  assertByteString(drv.builder, 'builder');
  for (const a of drv.args) assertByteString(a, 'argument');
  for (const [k, v] of drv.env) {
    assertByteString(k, 'environment variable name');
    assertByteString(v, `environment variable '${k}'`);
  }
  for (const k of drv.outputs.keys()) assertByteString(k, 'output name');
  for (const i of drv.inputDrvs) for (const o of i.outputs) assertByteString(o, 'input output name');
}

/** The `.drv` file bytes of a derivation. */
export function printDerivation(drv: Derivation, storeDir: StoreDir): Uint8Array {
  return new Uint8Array(Buffer.from(unparseDerivation(drv, storeDir), 'latin1'));
}

/** Only ASCII: then the UTF-8 encoding crypto applies to a JS string is the byte string itself. */
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** sha256 of the ATerm text (a byte string) in the given form. */
export function hashUnparsed(text: string): Hash {
  return hashBytes('sha256', ASCII_ONLY.test(text) ? text : Buffer.from(text, 'latin1'));
}
