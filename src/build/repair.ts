/**
 * `tix store verify --repair` (Nix: `nix-store --verify --repair`, `repairPath`): give a
 * valid path whose files are missing or damaged its registered contents back, without
 * touching its registration. In order:
 *
 * 1. a substitute from the configured substituters whose NAR hash is the registered one
 *    (trusted as for any substitution; the NAR is checked against the DB's hash);
 * 2. a rebuild of its deriver, when that `.drv` is valid: a `--check` build whose output,
 *    when it hashes to the registered NAR hash, replaces the damaged files (a build that is
 *    not bit-for-bit reproducible cannot repair, and says so);
 * 3. otherwise it reports that the path cannot be repaired.
 *
 * Paths go references first, so a rebuild finds its inputs already repaired.
 */

import type { PathInfo } from '../store/path-info-json.ts';
import type { StorePath } from '../store/store-path.ts';
import { findSubstitutes } from '../substitute/substitute.ts';
import type { LocalBuildStore } from './local-build-store.ts';
import { realise, type RealiseOptions } from './realise.ts';

export type RepairOutcome =
  | { readonly path: StorePath; readonly how: 'substituted'; readonly from: string }
  | { readonly path: StorePath; readonly how: 'rebuilt'; readonly drvPath: StorePath }
  | { readonly path: StorePath; readonly how: 'failed'; readonly reason: string };

export interface RepairOptions extends Omit<RealiseOptions, 'store' | 'check' | 'repair'> {
  readonly store: LocalBuildStore;
  readonly warn: (message: string) => void;
}

export async function* repairPaths(infos: readonly PathInfo[], o: RepairOptions): AsyncGenerator<RepairOutcome> {
  const print = (p: StorePath) => o.store.storeDir.printPath(p);
  for (const info of referencesFirst(infos)) {
    const failures: string[] = [];
    const offers = o.substituters?.length ? await findSubstitutes(o.substituters, [info.path], o.trust, o.warn, o.signal) : new Map();
    const offer = offers.get(info.path.baseName);
    if (offer && offer.info.narHash.equals(info.narHash)) {
      try {
        await o.store.repairFromNar(info, offer.substituter.fetchNar(offer.info, o.signal), o.signal);
        yield { path: info.path, how: 'substituted', from: offer.substituter.uri };
        continue;
      } catch (e) {
        failures.push(`substituting from '${offer.substituter.uri}' failed: ${(e as Error).message}`);
      }
    } else if (offer) {
      failures.push(`the substitute from '${offer.substituter.uri}' has a different NAR hash than the registered path`);
    } else {
      failures.push(o.substituters?.length ? 'no substituter has it' : 'no substituters are configured');
    }
    const deriver = info.deriver;
    if (deriver && (await o.store.queryValidPaths([deriver])).length > 0) {
      let error: unknown;
      let ok = false;
      for await (const ev of realise([{ drvPath: deriver }], { ...o, check: true, repair: true, streamLogs: false })) {
        if (ev.type === 'build-failed') error ??= ev.error;
        if (ev.type === 'done') ok = ev.result.exitStatus === 0;
      }
      if (ok) {
        yield { path: info.path, how: 'rebuilt', drvPath: deriver };
        continue;
      }
      failures.push(`rebuilding '${print(deriver)}' failed: ${error instanceof Error ? error.message : String(error)}`);
    } else {
      failures.push(deriver ? `its deriver '${print(deriver)}' is not valid` : 'its deriver is unknown');
    }
    yield { path: info.path, how: 'failed', reason: failures.join('; ') };
  }
}

/** `infos` ordered so that each comes after those of its references that are in the list. */
function referencesFirst(infos: readonly PathInfo[]): PathInfo[] {
  const byName = new Map(infos.map((i) => [i.path.baseName, i]));
  const out: PathInfo[] = [];
  const seen = new Set<string>();
  const visit = (i: PathInfo): void => {
    if (seen.has(i.path.baseName)) return;
    seen.add(i.path.baseName);
    for (const r of i.references) {
      const dep = byName.get(r.baseName);
      if (dep) visit(dep);
    }
    out.push(i);
  };
  for (const i of [...infos].sort((a, b) => (a.path.baseName < b.path.baseName ? -1 : 1))) visit(i);
  return out;
}
