/**
 * `tix nar`: create, unpack and list Nix Archives. Mirrors `nix nar dump-path` /
 * `nix-store --dump`, `nix-store --restore` and `nix nar ls`.
 */

import { closeSync, openSync } from 'node:fs';
import { flagBool, parseArgs, UsageError } from '../args.ts';
import { writeStdout } from '../output.ts';
import { NarListingSink, listNarText, lookupNarListing, parseNar, printNarListingJson } from '../../src/store/index.ts';
import { dumpPath, readFdChunks, restorePath } from '../../src/store/local/index.ts';

export const summary = 'create, restore and list Nix Archives (NAR)';

export const help = `Usage:
  tix nar dump PATH           Write the NAR serialisation of PATH to stdout
                              (also: dump-path; as nix nar dump-path, nix-store --dump)
  tix nar restore DIR         Unpack a NAR read from stdin into DIR, which must not exist
                              (as nix-store --restore)
  tix nar ls [FLAGS] [NAR] [PATH]
                              List PATH (default /) inside a NAR (as nix nar ls). NAR is a
                              file, or stdin when omitted or '-'; a single argument starting
                              with '/' is a PATH inside the NAR on stdin.
    -R, --recursive           list subdirectories recursively
    -l, --long                show file type, size and symlink targets
    -d, --directory           show directories rather than their contents
        --json                print the listing as JSON (with narOffset of each file)
`;

const LS_FLAGS = [
  { name: 'recursive', aliases: ['-R'] },
  { name: 'long', aliases: ['-l'] },
  { name: 'directory', aliases: ['-d'] },
  { name: 'json' },
] as const;

async function dump(argv: string[]): Promise<number> {
  const { positionals } = parseArgs(argv, []);
  if (positionals.length !== 1) throw new UsageError('tix nar dump expects exactly one PATH');
  // Each chunk is written synchronously before the next is made, so buffers can be reused.
  for await (const chunk of dumpPath(positionals[0]!, { reuseBuffers: true })) writeStdout(chunk);
  return 0;
}

async function restore(argv: string[]): Promise<number> {
  const { positionals } = parseArgs(argv, []);
  if (positionals.length !== 1) throw new UsageError('tix nar restore expects exactly one DIR');
  await restorePath(positionals[0]!, readFdChunks(0, { reuseBuffer: true }));
  return 0;
}

async function ls(argv: string[]): Promise<number> {
  const args = parseArgs(argv, LS_FLAGS);
  const pos = args.positionals;
  if (pos.length > 2) throw new UsageError('tix nar ls expects at most a NAR file and a path');
  let narFile = '-';
  let path = '/';
  if (pos.length === 2) [narFile, path] = pos as [string, string];
  else if (pos.length === 1 && pos[0]!.startsWith('/')) path = pos[0]!;
  else if (pos.length === 1) narFile = pos[0]!;
  const json = flagBool(args, 'json');
  const directory = flagBool(args, 'directory');
  if (json && directory) throw new UsageError("'--directory' is useless with '--json'");

  const sink = new NarListingSink();
  const fd = narFile === '-' ? 0 : openSync(narFile, 'r');
  try {
    await parseNar(readFdChunks(fd, { reuseBuffer: true }), sink);
  } finally {
    if (fd !== 0) closeSync(fd);
  }
  const node = lookupNarListing(sink.listing, path);
  if (json) {
    writeStdout(printNarListingJson(node, flagBool(args, 'recursive')) + '\n');
  } else {
    const lines = listNarText(node, path, { recursive: flagBool(args, 'recursive'), long: flagBool(args, 'long'), directory });
    writeStdout(lines.map((l) => l + '\n').join(''));
  }
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { dump, 'dump-path': dump, restore, ls };

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!run) throw new UsageError(sub === undefined ? `tix nar needs a subcommand\n${help}` : `unknown subcommand 'nar ${sub}'`);
  return await run(rest);
}
