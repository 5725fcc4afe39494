/**
 * The store derivation (`.drv`): what to build, from what, and where the results go.
 * Nix: `Derivation` / `BasicDerivation` (derivations.hh).
 *
 * Every string of a derivation (system, builder, args, env names and values, output names)
 * is a *byte string* (src/util/byte-string.ts): one code unit per byte, exactly the bytes of
 * the `.drv` file. Nix strings are bytes and `.drv` files are not always UTF-8.
 *
 * Maps keep whatever order they were built in; the ATerm printer sorts as Nix's `std::map`
 * and `std::set` do (by bytes), so callers need not. Dynamic-derivation inputs
 * (`DrvWithVersion("xp-dyn-drv",…)`) are not represented.
 */

import { InvalidValueError } from '../../errors.ts';
import type { HashAlgo } from '../../hash/algo.ts';
import type { Hash } from '../../hash/hash.ts';
import type { ContentAddressMethod } from '../content-address.ts';
import type { StoreDir } from '../store-dir.ts';
import { outputPathName, type StorePath } from '../store-path.ts';

/** An output whose path is a function of the derivation (the classic kind). Nix: `DerivationOutput::InputAddressed`. */
export interface InputAddressedOutput {
  readonly type: 'inputAddressed';
  readonly path: StorePath;
}

/**
 * An output whose content hash is known in advance (fetchurl & co). Its path follows from
 * the hash and the output name, so it is not stored. Nix: `DerivationOutput::CAFixed`.
 */
export interface CaFixedOutput {
  readonly type: 'caFixed';
  readonly method: ContentAddressMethod;
  readonly hash: Hash;
}

/** A content-addressed output whose hash is known only after the build. Nix: `DerivationOutput::CAFloating`. */
export interface CaFloatingOutput {
  readonly type: 'caFloating';
  readonly method: ContentAddressMethod;
  readonly hashAlgo: HashAlgo;
}

/** An input-addressed output whose path cannot be computed yet (it depends on floating CA inputs). Nix: `DerivationOutput::Deferred`. */
export interface DeferredOutput {
  readonly type: 'deferred';
}

/** An output of an impure derivation (experimental upstream). Nix: `DerivationOutput::Impure`. */
export interface ImpureOutput {
  readonly type: 'impure';
  readonly method: ContentAddressMethod;
  readonly hashAlgo: HashAlgo;
}

export type DerivationOutput = InputAddressedOutput | CaFixedOutput | CaFloatingOutput | DeferredOutput | ImpureOutput;

/** An input derivation and which of its outputs are used. */
export interface DerivationInput {
  /** The input's `.drv` store path. */
  readonly path: StorePath;
  /** Output names (byte strings) this derivation needs from it. */
  readonly outputs: readonly string[];
}

export interface Derivation {
  /** The derivation name: the `.drv` file's name without `.drv`. Not part of the ATerm. */
  readonly name: string;
  /** Output name → output. */
  readonly outputs: ReadonlyMap<string, DerivationOutput>;
  /** Input derivations (at most one entry per path). */
  readonly inputDrvs: readonly DerivationInput[];
  /** Input sources: store paths that are not outputs of a derivation. */
  readonly inputSrcs: readonly StorePath[];
  /** The platform, e.g. `x86_64-linux`. Nix calls the field `platform`. */
  readonly system: string;
  readonly builder: string;
  readonly args: readonly string[];
  /** Environment of the builder, `__json` (structured attrs) included. */
  readonly env: ReadonlyMap<string, string>;
}

/**
 * The kind of a derivation as a whole, decided by its outputs. Nix: `DerivationType`.
 * - `inputAddressed`: every output is input-addressed (`deferred` when paths are not known yet);
 * - `caFixed`: exactly one output, `out`, with a fixed content hash;
 * - `caFloating`: every output is floating content-addressed;
 * - `impure`: every output is impure.
 */
export type DerivationType =
  | { readonly kind: 'inputAddressed'; readonly deferred: boolean }
  | { readonly kind: 'caFixed' }
  | { readonly kind: 'caFloating' }
  | { readonly kind: 'impure' };

/** Classify a derivation, rejecting mixes Nix rejects (with Nix's messages). Nix: `Derivation::type()`. */
export function derivationType(drv: Derivation): DerivationType {
  let ty: DerivationType | undefined;
  let floatingAlgo: HashAlgo | undefined;
  const decide = (t: DerivationType): void => {
    if (!ty) ty = t;
    else if (ty.kind !== t.kind || (ty.kind === 'inputAddressed' && t.kind === 'inputAddressed' && ty.deferred !== t.deferred)) {
      throw new InvalidValueError('E_DRV_TYPE', "can't mix derivation output types");
    } else if (ty.kind === 'caFixed') {
      throw new InvalidValueError('E_DRV_TYPE', 'only one fixed output is allowed for now');
    }
  };
  for (const [name, o] of drv.outputs) {
    switch (o.type) {
      case 'inputAddressed':
        decide({ kind: 'inputAddressed', deferred: false });
        break;
      case 'deferred':
        decide({ kind: 'inputAddressed', deferred: true });
        break;
      case 'caFixed':
        decide({ kind: 'caFixed' });
        if (name !== 'out') throw new InvalidValueError('E_DRV_TYPE', 'single fixed output must be named "out"');
        break;
      case 'caFloating':
        decide({ kind: 'caFloating' });
        if (floatingAlgo !== undefined && floatingAlgo !== o.hashAlgo) {
          throw new InvalidValueError('E_DRV_TYPE', 'all floating outputs must use the same hash algorithm');
        }
        floatingAlgo = o.hashAlgo;
        break;
      case 'impure':
        decide({ kind: 'impure' });
        break;
    }
  }
  if (!ty) throw new InvalidValueError('E_DRV_TYPE', 'must have at least one output');
  return ty;
}

/** The derivation name of a `.drv` store path (`<hash>-hello-2.12.drv` → `hello-2.12`). Nix: `Derivation::nameFromPath`. */
export function derivationNameFromPath(drvPath: StorePath): string {
  if (!drvPath.isDerivation) throw new InvalidValueError('E_DRV_PATH', `path '${drvPath.baseName}' is not a derivation`);
  return drvPath.name.slice(0, -'.drv'.length);
}

/** True when the builder is one of Nix's built-in builders (`builtin:fetchurl`...). */
export function isBuiltinDerivation(drv: Derivation): boolean {
  return drv.builder.startsWith('builtin:');
}

/** The store path of a fixed output (it is not stored in the derivation). Nix: `DerivationOutput::CAFixed::path`. */
export function fixedOutputPath(storeDir: StoreDir, drvName: string, outputName: string, o: Pick<CaFixedOutput, 'method' | 'hash'>): StorePath {
  return storeDir.makePathFromCA(outputPathName(drvName, outputName), o.method, o.hash);
}
