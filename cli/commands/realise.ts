/**
 * `tix realise PATH...`: make store paths valid — build or substitute the outputs of store
 * derivations, substitute other paths — and print the output paths. Nix: `nix-store
 * --realise`. `PATH` is a `.drv` (optionally `PATH!out1,out2`) or any store path.
 */

import { flagBool, parseArgs, UsageError } from '../args.ts';
import { renderRealisation } from '../build-progress.ts';
import { commandSettings } from '../settings.ts';
import { writeStdout } from '../output.ts';
import { buildFlags, parseTarget, runRealisation } from '../build-run.ts';

export const summary = 'build or substitute the outputs of store derivations (nix-store --realise)';

export const help = `Usage: tix realise [FLAGS] PATH[!OUTPUTS]...

Realise each PATH: for a store derivation (.drv), build or substitute its outputs (all of
them, or those named after '!', comma-separated); for any other store path, substitute it
if it is not valid. Prints the output paths, one per line. Exits with 100 when a build
failed (102 on a fixed-output hash mismatch, 104 when --check finds a difference).

  -j, --max-jobs N     build at most N derivations at once ('auto': one per CPU)
  -k, --keep-going     keep building what does not depend on a failed build
      --fallback       build locally when substituting an output fails
      --check          rebuild the derivations and report outputs that differ
      --dry-run        show what would be built or fetched, then stop
  -Q, --quiet          do not show the builders' output
      --option NAME VALUE, --store DIR   as for every command
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, buildFlags);
  if (args.positionals.length === 0) throw new UsageError('tix realise: no paths given');
  const settings = commandSettings(args);
  const { result, storeDir, store } = await runRealisation(settings, args, (s) => args.positionals.map((p) => parseTarget(p, s.storeDir)), renderRealisation);
  try {
    if (flagBool(args, 'dry-run')) return 0;
    for (const t of result.targets) if (t.ok) for (const p of t.outputs.values()) writeStdout(`${storeDir}/${p.baseName}\n`);
    return result.exitStatus;
  } finally {
    await store.close();
  }
}
