/**
 * Substitution: choose, for each wanted path, the first substituter (by priority) whose
 * answer passes the trust decision, then stream its NAR into the store, which checks the
 * NAR hash and size before the path becomes valid. Nix: `SubstitutionGoal`
 * (tryNext → "ignoring substitute … not signed by any of the keys" → tryToRun).
 */

import type { StorePath } from '../store/store-path.ts';
import { checkPathInfo, type TrustPolicy } from '../trust/verdict.ts';
import type { SubstitutablePathInfo, Substituter } from './substituter.ts';

/** Where substituted NARs go: the store restores and verifies them atomically. */
export interface NarImporter {
  addNar(info: SubstitutablePathInfo, nar: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void>;
}

export interface Substitute {
  readonly info: SubstitutablePathInfo;
  readonly substituter: Substituter;
}

/** Substituters in the order Nix asks them: ascending priority, then as configured. */
export function orderSubstituters(subs: readonly Substituter[]): Substituter[] {
  return subs.map((s, i) => [s, i] as const).sort((a, b) => a[0].priority - b[0].priority || a[1] - b[1]).map(([s]) => s);
}

/**
 * For each path, the first trusted offer. Untrusted offers are reported through `warn` (with
 * Nix's wording) and the next substituter is asked; a substituter that fails to answer is
 * reported and skipped.
 */
export async function findSubstitutes(
  subs: readonly Substituter[],
  paths: readonly StorePath[],
  policy: TrustPolicy,
  warn: (message: string) => void,
  signal?: AbortSignal,
): Promise<Map<string, Substitute>> {
  const found = new Map<string, Substitute>();
  let left = [...paths];
  for (const sub of orderSubstituters(subs)) {
    if (left.length === 0) break;
    let infos: Map<string, SubstitutablePathInfo>;
    try {
      infos = await sub.queryPathInfos(left, signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      warn(`unable to query substituter '${sub.uri}': ${(e as Error).message}`);
      continue;
    }
    for (const p of left) {
      const info = infos.get(p.baseName);
      if (!info) continue;
      const policyHere = sub.trusted ? { ...policy, requireSigs: false } : policy;
      const verdict = checkPathInfo(info, policyHere, { expectedPath: p });
      if (verdict.ok) found.set(p.baseName, { info, substituter: sub });
      else warn(`ignoring substitute for '${policy.storeDir.printPath(p)}' from '${sub.uri}': ${verdict.reason}`);
    }
    left = left.filter((p) => !found.has(p.baseName));
  }
  return found;
}

/** Where to look when the chosen substituter fails mid-transfer. */
export interface SubstituteFallback {
  readonly substituters: readonly Substituter[];
  readonly policy: TrustPolicy;
  readonly warn: (message: string) => void;
}

/**
 * Fetch and import one path (its references must be valid already). With `fallback`, a
 * substituter that fails (a dead or stalled transfer, a NAR that does not match) is
 * reported and the substituters after it are asked in turn, as Nix's `SubstitutionGoal`
 * does (`tryNext`); the error of the last one tried is thrown when none succeeds. The
 * store registers a path only from a complete, matching NAR, so a failed try leaves nothing.
 */
export async function substitutePath(store: NarImporter, s: Substitute, signal?: AbortSignal, fallback?: SubstituteFallback): Promise<void> {
  try {
    await store.addNar(s.info, s.substituter.fetchNar(s.info, signal), signal);
    return;
  } catch (e) {
    if (!fallback || signal?.aborted) throw e;
    let last = e;
    const print = fallback.policy.storeDir.printPath(s.info.path);
    fallback.warn(`substituting '${print}' from '${s.substituter.uri}' failed: ${(e as Error).message}`);
    const order = orderSubstituters(fallback.substituters);
    for (const sub of order.slice(order.indexOf(s.substituter) + 1)) {
      const next = (await findSubstitutes([sub], [s.info.path], fallback.policy, fallback.warn, signal)).get(s.info.path.baseName);
      // Only the same contents: the plan already relies on this NAR's references.
      if (!next || !next.info.narHash.equals(s.info.narHash)) continue;
      try {
        await store.addNar(next.info, sub.fetchNar(next.info, signal), signal);
        return;
      } catch (e2) {
        if (signal?.aborted) throw e2;
        last = e2;
        fallback.warn(`substituting '${print}' from '${sub.uri}' failed: ${(e2 as Error).message}`);
      }
    }
    throw last;
  }
}
