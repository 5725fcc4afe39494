/**
 * Where a derivation and its outputs live in the store.
 *
 * - `derivationStorePath`: the `.drv` is a `text` store object named `<name>.drv` whose
 *   references are its input sources and input derivations. Nix: `computeStorePath`
 *   (2.8: `writeDerivation` in read-only mode).
 * - `computeOutputPaths`: input-addressed outputs are `makeOutputPath(output, hash, name)`
 *   with the *masked* modulo hash; a fixed output's path follows from its content address.
 * - `fillInOutputPaths`: what `derivationStrict` does once the evaluator has built a
 *   derivation: set output paths and the env vars named after outputs.
 * - `checkInvariants`: the outputs and their env vars are the ones Nix would compute.
 */

import { InvalidValueError } from '../../errors.ts';
import { hashBytes } from '../../hash/digest.ts';
import type { StoreDir } from '../store-dir.ts';
import type { StorePath } from '../store-path.ts';
import { hashUnparsed, unparseDerivation } from './aterm-print.ts';
import { type Derivation, type DerivationOutput, derivationType, fixedOutputPath } from './derivation.ts';
import { type DrvHashLookup, hashDerivationModulo } from './hash-modulo.ts';

/** The placeholder string for an output whose path is not known at evaluation time. Nix: `hashPlaceholder`. */
export function hashPlaceholder(outputName: string): string {
  return '/' + hashBytes('sha256', Buffer.from('nix-output:' + outputName, 'latin1')).nix32;
}

/** The store paths the `.drv` refers to: input sources and input derivations, without duplicates. */
export function derivationReferences(drv: Derivation): StorePath[] {
  const refs = new Map<string, StorePath>();
  for (const p of drv.inputSrcs) refs.set(p.baseName, p);
  for (const i of drv.inputDrvs) refs.set(i.path.baseName, i.path);
  return [...refs.values()];
}

/** The store path of the `.drv` file itself. Nix: `computeStorePath` / `writeDerivation(readOnly)`. */
export function derivationStorePath(drv: Derivation, storeDir: StoreDir): StorePath {
  const text = unparseDerivation(drv, storeDir);
  return storeDir.makeTextPath(drv.name + '.drv', hashUnparsed(text), derivationReferences(drv));
}

/** The path an output records, if it records or implies one. Nix: `DerivationOutput::path`. */
export function outputPath(drv: Derivation, storeDir: StoreDir, outputName: string, o: DerivationOutput): StorePath | undefined {
  if (o.type === 'inputAddressed') return o.path;
  if (o.type === 'caFixed') return fixedOutputPath(storeDir, drv.name, outputName, o);
  return undefined;
}

/** The output paths the derivation records (undefined where not known). Nix: `outputsAndOptPaths`. */
export function derivationOutputPaths(drv: Derivation, storeDir: StoreDir): Map<string, StorePath | undefined> {
  const res = new Map<string, StorePath | undefined>();
  for (const [name, o] of drv.outputs) res.set(name, outputPath(drv, storeDir, name, o));
  return res;
}

/**
 * The output paths Nix computes for this derivation, ignoring the paths it records:
 * input-addressed outputs from the masked modulo hash (undefined when deferred), fixed
 * outputs from their content address, floating and impure outputs undefined.
 */
export function computeOutputPaths(drv: Derivation, lookup: DrvHashLookup, storeDir: StoreDir): Map<string, StorePath | undefined> {
  const type = derivationType(drv);
  const res = new Map<string, StorePath | undefined>();
  if (type.kind === 'inputAddressed') {
    const h = hashDerivationModulo(drv, lookup, { storeDir, maskOutputs: true });
    for (const name of drv.outputs.keys()) {
      res.set(name, h.kind === 'regular' ? storeDir.makeOutputPath(name, h.hashes.get(name)!, drv.name) : undefined);
    }
  } else {
    for (const [name, o] of drv.outputs) res.set(name, outputPath(drv, storeDir, name, o));
  }
  return res;
}

/**
 * Complete a derivation as the evaluator's `derivationStrict` does (Nix 2.8 primops.cc):
 * fixed output → `env.out` is its path; floating/impure → env vars are hash placeholders;
 * otherwise outputs become input-addressed with paths from the masked hash (or stay
 * deferred) and the env vars named after outputs hold those paths (or "").
 */
export function fillInOutputPaths(drv: Derivation, lookup: DrvHashLookup, storeDir: StoreDir): Derivation {
  const type = derivationType(drv);
  const env = new Map(drv.env);
  const outputs = new Map<string, DerivationOutput>();
  if (type.kind === 'caFixed') {
    for (const [name, o] of drv.outputs) env.set(name, storeDir.printPath(outputPath(drv, storeDir, name, o)!));
    return { ...drv, env, outputs: drv.outputs };
  }
  if (type.kind === 'caFloating' || type.kind === 'impure') {
    for (const name of drv.outputs.keys()) env.set(name, hashPlaceholder(name));
    return { ...drv, env, outputs: drv.outputs };
  }
  for (const name of drv.outputs.keys()) {
    env.set(name, '');
    outputs.set(name, { type: 'deferred' });
  }
  const masked: Derivation = { ...drv, env, outputs };
  const h = hashDerivationModulo(masked, lookup, { storeDir, maskOutputs: true });
  if (h.kind === 'deferred') return masked;
  // The masked form is no longer needed: its env becomes the filled one (one copy fewer).
  const filledEnv = env;
  const filled = new Map<string, DerivationOutput>();
  for (const name of drv.outputs.keys()) {
    const path = storeDir.makeOutputPath(name, h.hashes.get(name)!, drv.name);
    filledEnv.set(name, storeDir.printPath(path));
    filled.set(name, { type: 'inputAddressed', path });
  }
  return { ...drv, env: filledEnv, outputs: filled };
}

/**
 * Check that recorded output paths and their env vars are the ones Nix computes; throws
 * with Nix's messages. A `.drv` from elsewhere could otherwise claim another
 * derivation's outputs. Nix: `Derivation::checkInvariants`.
 */
export function checkInvariants(drv: Derivation, lookup: DrvHashLookup, storeDir: StoreDir): void {
  const computed = computeOutputPaths(drv, lookup, storeDir);
  for (const [name, o] of drv.outputs) {
    const expected = computed.get(name);
    if (o.type === 'inputAddressed') {
      if (!expected) throw new InvalidValueError('E_DRV_INVARIANT', `derivation has incorrect output '${storeDir.printPath(o.path)}', should be deferred`);
      if (!expected.equals(o.path)) {
        throw new InvalidValueError('E_DRV_INVARIANT', `derivation has incorrect output '${storeDir.printPath(o.path)}', should be '${storeDir.printPath(expected)}'`);
      }
    }
    if (expected && (o.type === 'inputAddressed' || o.type === 'caFixed')) {
      const want = storeDir.printPath(expected);
      const have = drv.env.get(name);
      if (have === undefined) {
        throw new InvalidValueError('E_DRV_INVARIANT', `derivation has missing environment variable '${name}', should be '${want}' but is not present`);
      }
      if (have !== want) {
        throw new InvalidValueError('E_DRV_INVARIANT', `derivation has incorrect environment variable '${name}', should be '${want}' but is actually '${have}'`);
      }
    }
  }
}
