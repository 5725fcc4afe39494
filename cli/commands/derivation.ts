/**
 * `tix derivation show DRVFILE...`: the JSON of `nix derivation show` (upstream's v4
 * format, see src/store/drv/json.ts for how Nix 2.8's `nix show-derivation` differs).
 */

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { flagBool, parseArgs, UsageError } from '../args.ts';
import { writeStdout } from '../output.ts';
import {
  type Derivation,
  derivationsToJson,
  derivationStorePath,
  parseDerivation,
  StoreDir,
  tryParseStorePathBaseName,
} from '../../src/store/index.ts';
import { printJson } from '../../src/util/index.ts';

export const summary = 'show the contents of store derivations (.drv files) as JSON';

export const help = `Usage: tix derivation show [--pretty | --no-pretty] DRVFILE...

Print the derivations in DRVFILE... as JSON, as \`nix derivation show\` does
(format version 4: {"derivations": {"<hash>-<name>.drv": {...}}, "version": 4}).
A DRVFILE may be anywhere; its derivation name comes from its file name.

  --pretty       indent the JSON (the default when stdout is a terminal)
  --no-pretty    print the JSON on one line
`;

/** The derivation name and JSON key of a .drv file from its file name. */
function nameOf(file: string): { name: string; key?: string } {
  const base = basename(file);
  const sp = tryParseStorePathBaseName(base);
  if (sp?.isDerivation) return { name: sp.name.slice(0, -4), key: sp.baseName };
  if (base.endsWith('.drv') && base.length > 4) return { name: base.slice(0, -4) };
  throw new UsageError(`'${file}' is not a derivation file: its name must end in '.drv'`);
}

async function show(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'pretty' }, { name: 'no-pretty' }]);
  if (args.positionals.length === 0) throw new UsageError('tix derivation show: no derivation files given');
  const pretty = flagBool(args, 'no-pretty') ? false : flagBool(args, 'pretty') || process.stdout.isTTY === true;
  const storeDir = new StoreDir();
  const drvs: [string, Derivation][] = [];
  for (const file of args.positionals) {
    const { name, key } = nameOf(file);
    const drv = parseDerivation(readFileSync(file), { name, storeDir, whence: file });
    drvs.push([key ?? derivationStorePath(drv, storeDir).baseName, drv]);
  }
  writeStdout(printJson(derivationsToJson(drvs), pretty ? 2 : undefined) + '\n');
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'show') return show(rest);
  throw new UsageError(sub === undefined ? 'tix derivation: missing subcommand (show)' : `tix derivation: unknown subcommand '${sub}'`);
}
