/**
 * `tix log PATH`: print the stored build log of a derivation, or of the derivation that
 * built PATH (as `nix log` / `nix-store --read-log`).
 */

import { parseArgs, UsageError } from '../args.ts';
import { writeStdout } from '../output.ts';
import { withStore } from '../store-open.ts';
import { StoreError } from '../../src/store/local/index.ts';

export const summary = 'show the build log of a store path';

export const help = `Usage: tix log PATH

Print the build log of PATH: a .drv file, or a path built by one. Logs are kept in
<state>/log/drvs/ (zstd-compressed when compress-build-log is true).
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  if (args.positionals.length !== 1) throw new UsageError('tix log expects exactly one PATH');
  return withStore(args, async (store) => {
    const path = store.parseStorePath(args.positionals[0]!);
    const log = await store.readBuildLog(path);
    if (!log) throw new StoreError('E_NO_BUILD_LOG', `build log of '${store.printPath(path)}' is not available`, { storePath: store.printPath(path) });
    writeStdout(log);
    return 0;
  });
}
