/**
 * `tix narinfo verify --trusted-public-keys 'K1 K2' FILE...`: parse each narinfo and apply
 * the trust decision (src/trust) to it; exit 0 when every file is trusted, else say why on
 * stderr and exit 1. Content-addressed paths whose CA proves their path need no signature,
 * as in Nix.
 */

import { readFileSync } from 'node:fs';
import { flagBool, flagList, parseArgs, UsageError } from '../args.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';
import { writeStderr } from '../output.ts';
import { parseNarInfo, parsePublicKeys, StoreDir } from '../../src/store/index.ts';
import { checkPathInfo } from '../../src/trust/index.ts';

export const summary = 'check binary-cache .narinfo files';

export const help = `Usage: tix narinfo verify --trusted-public-keys 'NAME:KEY ...' [--no-require-sigs] FILE...

Parse each .narinfo FILE and check that it is signed by one of the trusted public
keys (or is content-addressed, which needs no signature). Exits 0 when all are
trusted; otherwise prints why on stderr and exits 1.

  --trusted-public-keys KEYS   whitespace-separated public keys (repeatable)
  --no-require-sigs            accept unsigned paths (as require-sigs = false)
`;

async function verify(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'trusted-public-keys', arity: 1, repeatable: true }, { name: 'no-require-sigs' }]);
  if (args.positionals.length === 0) throw new UsageError('tix narinfo verify: no narinfo files given');
  const storeDir = new StoreDir();
  const policy = { trustedKeys: parsePublicKeys(flagList(args, 'trusted-public-keys')), requireSigs: !flagBool(args, 'no-require-sigs'), storeDir };
  let failed = 0;
  for (const file of args.positionals) {
    const info = parseNarInfo(readFileSync(file), { whence: file, storeDir });
    const v = checkPathInfo(info, policy);
    if (!v.ok) {
      writeStderr(`error: ${file}: ${v.reason}\n`);
      failed++;
    }
  }
  return failed === 0 ? 0 : EXIT_FAILURE;
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'verify') return verify(rest);
  throw new UsageError(sub === undefined ? 'tix narinfo: missing subcommand (verify)' : `tix narinfo: unknown subcommand '${sub}'`);
}
