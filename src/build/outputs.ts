/**
 * From a finished builder's files to path infos ready to register. Nix:
 * `LocalDerivationGoal::registerOutputs` for input-addressed and fixed outputs.
 *
 * For each output: it must exist; it is canonicalised (canonicalise.ts); one pass over its
 * NAR gives the NAR hash and size and the references among the input closure and the
 * outputs themselves. Outputs are then ordered so that an output comes after the outputs it
 * refers to (a cycle between outputs is an error, as in Nix). A fixed output's content hash
 * must be the one the derivation states and it may refer to nothing. `--check` compares
 * NAR hashes with the valid outputs instead of producing new infos.
 */

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { Hash } from '../hash/hash.ts';
import type { ContentAddress } from '../store/content-address.ts';
import type { CaFixedOutput, Derivation } from '../store/drv/derivation.ts';
import { sortedReferences, type ValidPathInfo } from '../store/path-info.ts';
import { contentAddressHash } from '../store/local/check-ca.ts';
import type { StorePath } from '../store/store-path.ts';
import type { BuildStore, NewPath } from './build-store.ts';
import { canonicaliseOutput } from './canonicalise.ts';
import { BuildError } from './errors.ts';
import { checkOutputConstraints } from './output-constraints.ts';
import { scanOutput } from './output-scan.ts';

export interface OutputPolicy {
  /** Signatures to attach to a new output's info (empty without `secret-key-files`). */
  sign(info: ValidPathInfo): string[];
}

export interface ProcessOutputsOptions {
  readonly store: BuildStore;
  readonly drvPath: StorePath;
  readonly drv: Derivation;
  readonly outputPaths: ReadonlyMap<string, StorePath>;
  readonly closure: readonly StorePath[];
  /** Host directory where the builder created the outputs (its `/nix/store`). */
  readonly actualDir: string;
  readonly policy: OutputPolicy;
  readonly check: boolean;
  /** With `check`: put a rebuilt output that matches its registration in place (repair). */
  readonly repair?: boolean;
  /** Outputs valid before the build (base names): kept as they are, not registered again. Nix: `AlreadyRegistered`. */
  readonly alreadyValid: ReadonlySet<string>;
}

interface Scanned {
  readonly name: string;
  readonly path: StorePath;
  readonly tree: string;
  readonly narHash: Hash;
  readonly narSize: number;
  readonly references: StorePath[];
}

export async function processOutputs(o: ProcessOutputsOptions): Promise<NewPath[]> {
  const printed = o.store.storeDir.printPath(o.drvPath);
  const candidates = new Map<string, StorePath>();
  for (const p of o.closure) candidates.set(p.hashPart, p);
  for (const p of o.outputPaths.values()) candidates.set(p.hashPart, p);

  const scanned = new Map<string, Scanned>();
  for (const [name, path] of o.outputPaths) {
    if (o.alreadyValid.has(path.baseName)) continue;
    const tree = join(o.actualDir, path.baseName);
    let st;
    try {
      st = lstatSync(tree);
    } catch {
      throw new BuildError('E_OUTPUT_MISSING', `builder for '${printed}' failed to produce output path for output '${name}' at '${o.store.storeDir.printPath(path)}'`, {
        storePath: printed,
      });
    }
    const out = o.drv.outputs.get(name);
    if (out?.type === 'caFixed' && out.method === 'flat' && (!st.isFile() || (st.mode & 0o100) !== 0)) {
      throw new BuildError(
        'E_OUTPUT_INVALID',
        `output path '${o.store.storeDir.printPath(path)}' should be a non-executable regular file since recursive hashing is not enabled (outputHashMode=flat)`,
        { storePath: printed },
      );
    }
    canonicaliseOutput(tree);
    const scan = await scanOutput(tree, candidates.keys());
    const references = sortedReferences([...scan.found].map((h) => candidates.get(h)!));
    scanned.set(name, { name, path, tree, narHash: scan.narHash, narSize: scan.narSize, references });
  }

  const order = topoSortOutputs(scanned, printed);
  await checkOutputConstraints(o, scanned);
  const result: NewPath[] = [];
  for (const name of order) {
    const s = scanned.get(name)!;
    const out = o.drv.outputs.get(name)!;
    let ca: ContentAddress | undefined;
    if (out.type === 'caFixed') ca = await checkFixedOutput(o, s, out, printed);
    if (o.check) {
      const old = await o.store.queryPathInfo(s.path);
      if (old && !old.narHash.equals(s.narHash)) {
        if (o.repair) {
          throw new BuildError('E_REPAIR_DIFFERS', `cannot repair '${o.store.storeDir.printPath(s.path)}': rebuilding '${printed}' gives different contents (the build is not deterministic)`, {
            storePath: printed,
          });
        }
        throw new BuildError('E_NOT_DETERMINISTIC', `derivation '${printed}' may not be deterministic: output '${o.store.storeDir.printPath(s.path)}' differs`, {
          storePath: printed,
        });
      }
      if (o.repair && old) await o.store.replacePathFiles(s.tree, s.path);
      continue;
    }
    const info: ValidPathInfo = { path: s.path, narHash: s.narHash, narSize: s.narSize, references: s.references, deriver: o.drvPath, sigs: [], ca };
    result.push({ tree: s.tree, info: { ...info, sigs: o.policy.sign(info) } });
  }
  return result;
}

/** Outputs in an order where each comes after the outputs it refers to. */
function topoSortOutputs(scanned: ReadonlyMap<string, Scanned>, printed: string): string[] {
  const byPath = new Map([...scanned.values()].map((s) => [s.path.baseName, s.name]));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, parent: string | undefined): void => {
    const st = state.get(name);
    if (st === 'done') return;
    if (st === 'visiting') {
      throw new BuildError('E_OUTPUT_INVALID', `cycle detected in build of '${printed}' in the references of output '${name}' from output '${parent}'`, {
        storePath: printed,
      });
    }
    state.set(name, 'visiting');
    for (const r of scanned.get(name)!.references) {
      const dep = byPath.get(r.baseName);
      if (dep !== undefined && dep !== name) visit(dep, name);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...scanned.keys()].sort()) visit(name, undefined);
  return order;
}

/** Check a fixed output's hash (Nix's "hash mismatch" message) and that it refers to nothing. */
async function checkFixedOutput(o: ProcessOutputsOptions, s: Scanned, out: CaFixedOutput, printed: string): Promise<ContentAddress> {
  const got = await contentAddressHash(s.tree, out.method, out.hash.algo, s.narHash);
  if (!got.equals(out.hash)) {
    throw new BuildError('E_HASH_MISMATCH', `hash mismatch in fixed-output derivation '${printed}':\n  specified: ${out.hash.sri}\n     got:    ${got.sri}`, {
      storePath: printed,
    });
  }
  if (s.references.length > 0) {
    throw new BuildError('E_OUTPUT_INVALID', `fixed output derivation '${printed}' is not allowed to refer to other store paths`, { storePath: printed });
  }
  return { method: out.method, hash: out.hash };
}
