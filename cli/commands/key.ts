/**
 * `tix key generate-secret --key-name NAME` and `tix key convert-secret-to-public`, as
 * `nix key`: keys are printed as `name:base64` without a trailing newline, the format of
 * `nix-store --generate-binary-cache-key` key files.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { flagString, parseArgs, UsageError } from '../args.ts';
import { writeStdout } from '../output.ts';
import { ED25519_SEED_BYTES, generateSecretKey, parseSecretKey, printPublicKey, printSecretKey, toPublicKey } from '../../src/store/index.ts';

export const summary = 'generate and convert signing keys';

export const help = `Usage: tix key generate-secret --key-name NAME
       tix key convert-secret-to-public < SECRET-KEY-FILE

generate-secret            print a new ed25519 secret key named NAME
                           (e.g. cache.example.org-1) to stdout
convert-secret-to-public   read a secret key on stdin, print its public key

Keys are "NAME:BASE64", without a newline, as \`nix key\` and
\`nix-store --generate-binary-cache-key\` write them.
`;

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'generate-secret') {
    const args = parseArgs(rest, [{ name: 'key-name', arity: 1 }]);
    const name = flagString(args, 'key-name');
    if (name === undefined) throw new UsageError("tix key generate-secret: required flag '--key-name' is missing");
    if (args.positionals.length > 0) throw new UsageError(`tix key generate-secret: unexpected argument '${args.positionals[0]}'`);
    writeStdout(printSecretKey(generateSecretKey(name, randomBytes(ED25519_SEED_BYTES))));
    return 0;
  }
  if (sub === 'convert-secret-to-public') {
    const args = parseArgs(rest, []);
    if (args.positionals.length > 0) throw new UsageError(`tix key convert-secret-to-public: unexpected argument '${args.positionals[0]}'`);
    writeStdout(printPublicKey(toPublicKey(parseSecretKey(readFileSync(0, 'utf8'), 'standard input'))));
    return 0;
  }
  throw new UsageError(sub === undefined ? 'tix key: missing subcommand (generate-secret, convert-secret-to-public)' : `tix key: unknown subcommand '${sub}'`);
}
