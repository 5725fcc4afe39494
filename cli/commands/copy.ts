/**
 * `tix copy --from p2p PATH...`: have the running node substitute store paths (with their
 * closures) from its peers into its store, as `nix copy --from URL` copies from a cache.
 * The node checks every narinfo's signature against its `trusted-public-keys` and every
 * NAR's hash and size; the paths made valid are printed on stdout.
 */

import { ControlClient, defaultStateDir } from '../../src/substitute/index.ts';
import { flagString, parseArgs, UsageError } from '../args.ts';
import { writeStderr, writeStdout } from '../output.ts';

export const summary = 'copy store paths from the P2P network into the node\'s store (nix copy --from)';

export const help = `Usage: tix copy --from p2p [--state DIR] PATH...

Substitute each PATH and its closure from the peers of the running tix node (see
'tix node start') into the node's store. Prints the paths that became valid; a path no
peer could provide with a trusted signature and a correct NAR is reported and makes the
exit status 1.

  --from p2p    the source (only the P2P network so far)
  --state DIR   state directory of the node (default as for 'tix node')
  -v            also report every rejected answer from a peer, and the peers not asked
                because they are penalised (see 'tix node start --help')
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'from', arity: 1 }, { name: 'state', arity: 1 }, { name: 'verbose', aliases: ['-v'] }]);
  const from = flagString(args, 'from');
  if (from !== 'p2p') throw new UsageError(from === undefined ? 'tix copy: --from p2p is required' : `tix copy: unsupported source '${from}' (only 'p2p' so far)`);
  if (args.positionals.length === 0) throw new UsageError('tix copy: no paths given');
  const state = flagString(args, 'state');
  const client = await ControlClient.connect(state ?? defaultStateDir(process.env));
  try {
    const r = await client.substitute(args.positionals);
    if (args.flags.has('verbose')) {
      for (const x of r.rejected) writeStderr(x.kind === 'skipped' ? `not asking ${x.peer} for '${x.path}': ${x.reason}\n` : `rejected '${x.path}' from ${x.peer}: ${x.reason}\n`);
    }
    for (const p of args.positionals) if (r.failed[p.slice(p.lastIndexOf('/') + 1)] === undefined) writeStdout(`${p}\n`);
    for (const [base, why] of Object.entries(r.failed)) writeStderr(`error: ${base}: ${why}\n`);
    return Object.keys(r.failed).length > 0 ? 1 : 0;
  } finally {
    client.close();
  }
}
