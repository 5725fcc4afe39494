/**
 * `allowedReferences`, `allowedRequisites`, `disallowedReferences`, `disallowedRequisites`:
 * whitespace-separated store paths or output names in the derivation's environment that
 * restrict what an output may refer to (directly, or in its closure for the requisites).
 * Nix: `LocalDerivationGoal::checkOutputs` (the non-structured-attrs form; structured
 * `outputChecks` are not supported yet).
 */

import type { StorePath } from '../store/store-path.ts';
import type { BuildStore } from './build-store.ts';
import { tokenize } from './builder-env.ts';
import { BuildError } from './errors.ts';

export interface ScannedOutput {
  readonly path: StorePath;
  readonly references: readonly StorePath[];
}

interface Context {
  readonly store: BuildStore;
  readonly drvPath: StorePath;
  readonly drv: { readonly env: ReadonlyMap<string, string> };
}

const CHECKS = [
  ['allowedReferences', true, false],
  ['allowedRequisites', true, true],
  ['disallowedReferences', false, false],
  ['disallowedRequisites', false, true],
] as const;

export async function checkOutputConstraints(o: Context, outputs: ReadonlyMap<string, ScannedOutput>): Promise<void> {
  const active = CHECKS.filter(([attr]) => o.drv.env.has(attr));
  if (active.length === 0 || o.drv.env.has('__json')) return;
  const { storeDir } = o.store;
  for (const out of outputs.values()) {
    for (const [attr, allowed, recursive] of active) {
      const spec = new Set<string>();
      for (const item of tokenize(o.drv.env.get(attr)!)) {
        const p = storeDir.tryParsePath(item);
        if (p) spec.add(p.baseName);
        else if (outputs.has(item)) spec.add(outputs.get(item)!.path.baseName);
        else throw new BuildError('E_BAD_DERIVATION', `derivation contains an illegal reference specifier '${item}'`, { storePath: storeDir.printPath(o.drvPath) });
      }
      const used = recursive ? await closureOf(o.store, out.path, outputs) : out.references.map((r) => r.baseName);
      const bad = used.filter((u) => spec.has(u) !== allowed).sort();
      if (bad.length > 0) {
        throw new BuildError(
          'E_OUTPUT_INVALID',
          `output '${storeDir.printPath(out.path)}' is not allowed to refer to the following paths:${bad.map((b) => `\n  ${storeDir.dir}/${b}`).join('')}`,
          { storePath: storeDir.printPath(o.drvPath) },
        );
      }
    }
  }
}

/** Closure of an output whose sibling outputs are not valid yet. */
async function closureOf(store: BuildStore, start: StorePath, outputs: ReadonlyMap<string, ScannedOutput>): Promise<string[]> {
  const byName = new Map([...outputs.values()].map((s) => [s.path.baseName, s]));
  const done = new Set<string>();
  const todo: StorePath[] = [start];
  while (todo.length > 0) {
    const p = todo.pop()!;
    if (done.has(p.baseName)) continue;
    done.add(p.baseName);
    const refs = byName.get(p.baseName)?.references ?? (await store.queryPathInfo(p))?.references ?? [];
    todo.push(...refs);
  }
  return [...done];
}
