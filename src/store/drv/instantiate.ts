/**
 * Instantiate a derivation the evaluator has collected, as `derivationStrict` does (Nix 2.8
 * primops.cc): fill in its output paths, then give the `.drv` text, its store path and the
 * derivation's own (unmasked) modulo hash, which derivations depending on it will need
 * (upstream records it in `drvHashes` right away too).
 *
 * Same results as `fillInOutputPaths` + `unparseDerivation` + `derivationStorePath` +
 * `hashDerivationModulo`, which print the ATerm three or four times. For an input-addressed
 * derivation (nearly all of them) the forms differ only in the output section, the
 * input-derivation section (paths or modulo hashes) and the values of the env vars named
 * after outputs, so the sections they share — sources, system, builder, args and the other
 * env entries, where all the escaping happens — are printed once:
 *
 *   masked  = Derive([blank outputs],[modulo inputs] MIDDLE env with outputs "")   → output paths
 *   text    = Derive([output paths],[input paths]    MIDDLE env with output paths) → .drv file, its path
 *   modulo  = Derive([output paths],[modulo inputs]  MIDDLE env with output paths) → hash for dependents
 *
 * (without input derivations `modulo` is `text`, so its hash is the one already taken).
 * Other kinds (fixed, floating, impure) take the general path, printing the text once.
 */

import { assertDerivationBytes, atermActualInputs, atermDerive, atermInputDrvs, atermMiddle, hashUnparsed, unparseDerivation } from './aterm-print.ts';
import { quoted, raw, sortedKeys } from './aterm-pieces.ts';
import { type Derivation, type DerivationOutput, derivationType } from './derivation.ts';
import { type DrvHashLookup, type DrvHashModulo, hashDerivationModulo, moduloInputs, sameHashForEach } from './hash-modulo.ts';
import { derivationReferences, fillInOutputPaths } from './output-paths.ts';
import type { StoreDir } from '../store-dir.ts';
import type { StorePath } from '../store-path.ts';
import { isByteString } from '../../util/byte-string.ts';

export interface InstantiatedDerivation {
  /** The derivation with output paths and their env vars filled in (built on demand: evaluation rarely needs it). */
  drv(): Derivation;
  /**
   * Output name → the value `derivationStrict` gives it: the env var named after it in the
   * filled derivation (an output path, a hash placeholder, or "" while deferred).
   */
  readonly outputs: ReadonlyMap<string, string>;
  /** The `.drv` file's text (a byte string). */
  readonly text: string;
  /** The `.drv` file's store path. */
  readonly path: StorePath;
  /** The derivation's unmasked modulo hash. Nix: `hashDerivationModulo(drv, false)`. */
  readonly modulo: DrvHashModulo;
}

/**
 * Fill in and print a derivation. `drv` is the evaluator's form: outputs `deferred` for an
 * input-addressed derivation (fixed/floating/impure otherwise), env vars named after outputs
 * absent or set to what `fillInOutputPaths` expects.
 */
export function instantiateDerivation(drv: Derivation, lookup: DrvHashLookup, storeDir: StoreDir): InstantiatedDerivation {
  if (derivationType(drv).kind !== 'inputAddressed') return general(drv, lookup, storeDir);

  const outputNames = sortedKeys(drv.outputs);
  // The env names, output names included (they are set even when the evaluator left them out).
  const envHasOutputs = outputNames.every((o) => drv.env.has(o));
  const envNames = sortedKeys(envHasOutputs ? drv.env : new Map([...drv.env, ...outputNames.map((o): [string, string] => [o, ''])]));

  const { actualInputs, deferred } = moduloInputs(drv, lookup);
  const moduloSection = atermActualInputs(actualInputs);
  const middle = atermMiddle(drv, storeDir);

  // Masked form: outputs blank, output env vars "".
  let outs = '';
  for (let i = 0; i < outputNames.length; i++) outs += (i > 0 ? ',(' : '(') + raw(outputNames[i]!) + ',"","","")';
  // The env entries between output env vars are shared by every form.
  const shared: string[] = [];
  let run = '';
  let env = '';
  for (let i = 0; i < envNames.length; i++) {
    const k = envNames[i]!;
    const sep = i > 0 ? ',(' : '(';
    if (drv.outputs.has(k)) {
      shared.push(run + sep + quoted(k) + ',');
      env += sep + quoted(k) + ',"")';
      run = ')';
    } else {
      const e = sep + quoted(k) + ',' + quoted(drv.env.get(k)!) + ')';
      run += e;
      env += e;
    }
  }
  shared.push(run);
  const masked = atermDerive(outs, moduloSection, middle, env);
  if (!isByteString(masked)) assertDerivationBytes(drv);
  const maskedHash = hashUnparsed(masked);

  const inputSection = atermInputDrvs(drv, storeDir);
  if (deferred) {
    // An input is floating: the outputs stay deferred, the masked env is the real one.
    const text = atermDerive(outs, inputSection, middle, env);
    const filled = (): Derivation => ({ ...drv, env: envHasOutputs ? drv.env : withOutputs(drv.env, outputNames, () => '') });
    return finish(drv, filled, text, storeDir, deferredModulo(drv, moduloSection, text, outs, middle, env), new Map(outputNames.map((o) => [o, ''])));
  }

  const outputs = new Map<string, DerivationOutput>();
  const paths = new Map<string, string>();
  outs = '';
  for (let i = 0; i < outputNames.length; i++) {
    const name = outputNames[i]!;
    const path = storeDir.makeOutputPath(name, maskedHash, drv.name);
    const printed = storeDir.dir + '/' + path.baseName;
    outputs.set(name, { type: 'inputAddressed', path });
    paths.set(name, printed);
    outs += (i > 0 ? ',(' : '(') + raw(name) + ',' + raw(printed) + ',"","")';
  }
  // Output env vars in sorted order, as `shared` interleaves them.
  env = shared[0]!;
  let j = 1;
  for (const k of envNames) if (drv.outputs.has(k)) env += quoted(paths.get(k)!) + shared[j++]!;
  const filled = (): Derivation => ({ ...drv, outputs, env: withOutputs(drv.env, outputNames, (o) => paths.get(o)!) });
  const text = atermDerive(outs, inputSection, middle, env);
  const textHash = hashUnparsed(text);
  const moduloHash = drv.inputDrvs.length === 0 ? textHash : hashUnparsed(atermDerive(outs, moduloSection, middle, env));
  const modulo: DrvHashModulo = { kind: 'regular', hashes: sameHashForEach(outputNames, moduloHash) };
  return { drv: filled, outputs: paths, text, path: storeDir.makeTextPath(drv.name + '.drv', textHash, derivationReferences(drv)), modulo };
}

/** The modulo hash of a derivation whose outputs stay deferred (an input is floating). */
function deferredModulo(drv: Derivation, moduloSection: string, text: string, outs: string, middle: string, env: string): DrvHashModulo {
  const h = hashUnparsed(drv.inputDrvs.length === 0 ? text : atermDerive(outs, moduloSection, middle, env));
  return { kind: 'deferred', hashes: sameHashForEach(drv.outputs.keys(), h) };
}

function withOutputs(env: ReadonlyMap<string, string>, outputNames: readonly string[], value: (o: string) => string): Map<string, string> {
  const m = new Map(env);
  for (const o of outputNames) m.set(o, value(o));
  return m;
}

function finish(drv: Derivation, filled: () => Derivation, text: string, storeDir: StoreDir, modulo: DrvHashModulo, outputs: ReadonlyMap<string, string>): InstantiatedDerivation {
  return { drv: filled, outputs, text, path: storeDir.makeTextPath(drv.name + '.drv', hashUnparsed(text), derivationReferences(drv)), modulo };
}

/** Fixed-output, floating and impure derivations: the general functions, printing the text once. */
function general(drv: Derivation, lookup: DrvHashLookup, storeDir: StoreDir): InstantiatedDerivation {
  const filled = fillInOutputPaths(drv, lookup, storeDir);
  const outputs = new Map<string, string>();
  for (const name of filled.outputs.keys()) outputs.set(name, filled.env.get(name) ?? '');
  return finish(drv, () => filled, unparseDerivation(filled, storeDir), storeDir, hashDerivationModulo(filled, lookup, { storeDir }), outputs);
}
