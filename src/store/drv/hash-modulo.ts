/**
 * The derivation hash "modulo" fixed-output derivations, from which input-addressed output
 * paths are made. Nix: `hashDerivationModulo` / `pathDerivationModulo` (2.8
 * derivations.cc; upstream derivation/modulo.cc).
 *
 * - A fixed-output derivation hashes to `sha256("fixed:out:<method><algo>:<base16 hash>:<out path>")`,
 *   so its inputs, builder and URL do not matter: only what it produces.
 * - Any other derivation hashes its ATerm text with every input derivation path replaced by
 *   that input's own modulo hash (base16), merging the output names of inputs that share a
 *   hash. With `maskOutputs`, output paths and the env vars named after outputs are blanked
 *   first: that is the hash output paths are made from (they cannot depend on themselves).
 *
 * The modulo hashes of input derivations come from a `lookup` callback, so this module never
 * reads the store; `makeDrvHashLookup` builds a memoising one from a derivation reader.
 */

import { InvalidValueError } from '../../errors.ts';
import { hashBytes } from '../../hash/digest.ts';
import type { Hash } from '../../hash/hash.ts';
import { methodPrefix } from '../content-address.ts';
import type { StoreDir } from '../store-dir.ts';
import type { StorePath } from '../store-path.ts';
import { hashUnparsed, unparseDerivation } from './aterm-print.ts';
import { type Derivation, derivationType, fixedOutputPath } from './derivation.ts';

/**
 * The modulo hash of a derivation, per output. `deferred` means the derivation is (or
 * depends on) a floating content-addressed or impure one, so its input-addressed output
 * paths cannot be known before building. Nix: `DrvHash`.
 */
export interface DrvHashModulo {
  readonly kind: 'regular' | 'deferred';
  /** Output name → hash. For non-fixed derivations every output maps to the same hash. */
  readonly hashes: ReadonlyMap<string, Hash>;
}

/** Gives the (unmasked) modulo hash of an input derivation. */
export type DrvHashLookup = (drvPath: StorePath) => DrvHashModulo;

export interface HashModuloOptions {
  readonly storeDir: StoreDir;
  /** Blank the outputs (for computing this derivation's own output paths). */
  readonly maskOutputs?: boolean;
}

/** Nix: `hashDerivationModulo(store, drv, maskOutputs)`. */
export function hashDerivationModulo(drv: Derivation, lookup: DrvHashLookup, options: HashModuloOptions): DrvHashModulo {
  const { storeDir } = options;
  const type = derivationType(drv);

  if (type.kind === 'caFixed') {
    const hashes = new Map<string, Hash>();
    for (const [name, o] of drv.outputs) {
      if (o.type !== 'caFixed') continue;
      const path = storeDir.printPath(fixedOutputPath(storeDir, drv.name, name, o));
      hashes.set(name, hashBytes('sha256', `fixed:out:${methodPrefix(o.method)}${o.hash.algo}:${o.hash.base16}:${path}`));
    }
    return { kind: 'regular', hashes };
  }

  // Floating CA and impure derivations have no input address; 2.8 still hashes them.
  const inputs = moduloInputs(drv, lookup);
  const kind: DrvHashModulo['kind'] = type.kind === 'inputAddressed' && !inputs.deferred ? 'regular' : 'deferred';
  const actualInputs = inputs.actualInputs;

  const hash = hashUnparsed(unparseDerivation(drv, storeDir, { maskOutputs: options.maskOutputs ?? false, actualInputs }));
  return { kind, hashes: sameHashForEach(drv.outputs.keys(), hash) };
}

/** Every output of a derivation has the derivation's one modulo hash. */
export function sameHashForEach(outputNames: Iterable<string>, hash: Hash): Map<string, Hash> {
  const hashes = new Map<string, Hash>();
  for (const name of outputNames) hashes.set(name, hash);
  return hashes;
}

/**
 * The input derivations as the modulo hash prints them: each input's own modulo hash
 * (base16) → the output names used, merged where inputs share a hash; `deferred` when an
 * input is deferred.
 */
export function moduloInputs(drv: Derivation, lookup: DrvHashLookup): { actualInputs: Map<string, Set<string>>; deferred: boolean } {
  let deferred = false;
  const actualInputs = new Map<string, Set<string>>();
  for (const input of drv.inputDrvs) {
    const res = lookup(input.path);
    if (res.kind === 'deferred') deferred = true;
    for (const out of input.outputs) {
      const h = res.hashes.get(out);
      if (!h) {
        throw new InvalidValueError('E_DRV_INPUT', `no hash for output '${out}' of input derivation '${input.path.baseName}' of '${drv.name}'`);
      }
      const key = h.base16;
      let set = actualInputs.get(key);
      if (!set) actualInputs.set(key, (set = new Set()));
      set.add(out);
    }
  }
  return { actualInputs, deferred };
}

/**
 * A lookup that computes input hashes from the derivations `readDerivation` returns,
 * memoised across calls. Walks the input graph with an explicit stack (derivation graphs
 * can be thousands deep). Nix: `pathDerivationModulo` with its `drvHashes` cache.
 */
export function makeDrvHashLookup(
  readDerivation: (drvPath: StorePath) => Derivation,
  storeDir: StoreDir,
  /** The memo, by `.drv` base name: a caller that already knows some hashes (instantiateDerivation gives them) puts them here. */
  memo = new Map<string, DrvHashModulo>(),
): DrvHashLookup {
  const lookup: DrvHashLookup = (root) => {
    const done = memo.get(root.baseName);
    if (done) return done;
    // Iterative depth-first walk; `open` holds derivations whose inputs are being hashed.
    const open = new Map<string, Derivation>();
    const stack: { path: StorePath; expanded: boolean }[] = [{ path: root, expanded: false }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const key = frame.path.baseName;
      if (memo.has(key)) {
        stack.pop();
      } else if (!frame.expanded) {
        if (open.has(key)) throw new InvalidValueError('E_DRV_CYCLE', `derivation '${key}' depends on itself`);
        const drv = readDerivation(frame.path);
        open.set(key, drv);
        frame.expanded = true;
        for (const i of drv.inputDrvs) if (!memo.has(i.path.baseName)) stack.push({ path: i.path, expanded: false });
      } else {
        memo.set(key, hashDerivationModulo(open.get(key)!, lookup, { storeDir }));
        open.delete(key);
        stack.pop();
      }
    }
    return memo.get(root.baseName)!;
  };
  return lookup;
}
