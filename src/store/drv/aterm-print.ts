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
import { methodPrefix } from '../content-address.ts';
import type { StoreDir } from '../store-dir.ts';
import { quoted, raw, rawList, sortedKeys, sortedSet } from './aterm-pieces.ts';
import { compareStrings } from '../../util/bytes.ts';
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

/**
 * The ATerm text of a derivation as a byte string. Nix: `Derivation::unparse`.
 * Printed in sections (outputs, input derivations, the common middle, env) that
 * instantiate.ts also uses to print a new derivation's two forms from shared pieces.
 */
export function unparseDerivation(drv: Derivation, storeDir: StoreDir, options: UnparseOptions = {}): string {
  const mask = options.maskOutputs ?? false;
  let outs = '';
  const outputNames = sortedKeys(drv.outputs);
  for (let i = 0; i < outputNames.length; i++) {
    const name = outputNames[i]!;
    outs += (i > 0 ? ',(' : '(') + raw(name) + unparseOutput(drv, storeDir, name, drv.outputs.get(name)!, mask) + ')';
  }
  const inputs = options.actualInputs ? atermActualInputs(options.actualInputs) : atermInputDrvs(drv, storeDir);
  let env = '';
  const envNames = sortedKeys(drv.env);
  for (let i = 0; i < envNames.length; i++) {
    const k = envNames[i]!;
    env += (i > 0 ? ',(' : '(') + quoted(k) + ',' + quoted(mask && drv.outputs.has(k) ? '' : drv.env.get(k)!) + ')';
  }
  const s = atermDerive(outs, inputs, atermMiddle(drv, storeDir), env);
  if (!isByteString(s)) assertDerivationBytes(drv);
  return s;
}

/** A whole derivation from its sections (outputs, input derivations, `atermMiddle`, env entries). */
export function atermDerive(outputs: string, inputs: string, middle: string, env: string): string {
  return 'Derive([' + outputs + '],[' + inputs + middle + env + '])';
}

/** The input derivations section (between its brackets) for the given path → output names. */
function atermInputs(inputs: [string, string[]][]): string {
  if (inputs.length > 1) inputs.sort((a, b) => compareStrings(a[0], b[0]));
  let s = '';
  for (let i = 0; i < inputs.length; i++) s += (i > 0 ? ',(' : '(') + raw(inputs[i]![0]) + ',' + rawList(inputs[i]![1]) + ')';
  return s;
}

/** The input derivations section of the `.drv` file. */
export function atermInputDrvs(drv: Derivation, storeDir: StoreDir): string {
  if (drv.inputDrvs.length === 0) return '';
  // Merge duplicate paths: inputDrvs is a map in Nix.
  const byPath = new Map<string, string[]>();
  for (const i of drv.inputDrvs) {
    const p = storeDir.printPath(i.path);
    byPath.set(p, (byPath.get(p) ?? []).concat(i.outputs));
  }
  return atermInputs([...byPath].map(([k, v]) => [k, sortedSet(v)]));
}

/** The input derivations section as `hashDerivationModulo` prints it: base16 modulo hash → output names. */
export function atermActualInputs(actualInputs: ReadonlyMap<string, Iterable<string>>): string {
  if (actualInputs.size === 0) return '';
  return atermInputs([...actualInputs].map(([k, v]) => [k, sortedSet(v)]));
}

/** From the end of the input derivations to the start of the env entries: `],[srcs],"system","builder",[args],[`. */
export function atermMiddle(drv: Derivation, storeDir: StoreDir): string {
  let s = '],' + (drv.inputSrcs.length === 0 ? '[]' : rawList(sortedSet(drv.inputSrcs.map((p) => storeDir.printPath(p)))));
  s += ',' + raw(drv.system) + ',' + quoted(drv.builder) + ',[';
  for (let i = 0; i < drv.args.length; i++) s += (i > 0 ? ',' : '') + quoted(drv.args[i]!);
  return s + '],[';
}

/** Throw naming the first string of `drv` that is not a byte string. */
export function assertDerivationBytes(drv: Derivation): void {
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
