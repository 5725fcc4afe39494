/**
 * `tix hash`: compute and convert hashes, as `nix hash path|file|convert|to-*`.
 * `path` hashes the NAR serialisation, `file` the contents; both print SRI by default.
 */

import { flagBool, flagString, parseArgs, type ParsedArgs, UsageError } from '../args.ts';
import { writeStdout } from '../output.ts';
import { type Hash, type HashAlgo, type HashFormat, parseHashAlgo, parseHashFormat, parseHashReturningFormat } from '../../src/hash/index.ts';
import { hashFile, hashPath } from '../../src/store/local/index.ts';

export const summary = 'compute and convert cryptographic hashes';

export const help = `Usage:
  tix hash path [FLAGS] PATH...    hash of the NAR serialisation of each PATH
  tix hash file [FLAGS] PATH...    hash of the contents of each file
    --type ALGO, --algo ALGO       md5, sha1, sha256 (default) or sha512
    --mode nar|flat                (path only) how to serialise: NAR (default) or flat
    --base16 | --base32 | --base64 | --sri | --format FORMAT
                                   output format (default sri; FORMAT is base16,
                                   nix32/base32, base64 or sri)
  tix hash convert [--hash-algo ALGO] [--from FORMAT] [--to FORMAT] HASH...
                                   convert hashes between formats (default --to sri);
                                   --from asserts the input's format
  tix hash to-base16|to-base32|to-base64|to-sri [--type ALGO] HASH...
                                   (deprecated in Nix) convert to one format
`;

/** Nix's `BadHash`, for an input that contradicts `--from`. */
class BadHashError extends Error {
  override readonly name = 'BadHashError';
  readonly code = 'E_BAD_HASH';
}

const FORMAT_FLAGS = [{ name: 'base16' }, { name: 'base32' }, { name: 'base64' }, { name: 'sri' }, { name: 'format', arity: 1 }] as const;

const HASH_FLAGS = [{ name: 'type', arity: 1 }, { name: 'algo', arity: 1 }, { name: 'mode', arity: 1 }, ...FORMAT_FLAGS] as const;

/** The output format from --base16/--base32/--base64/--sri/--format; the last one given wins in Nix, here any one. */
function outputFormat(args: ParsedArgs): HashFormat {
  const f = flagString(args, 'format');
  if (f !== undefined) return parseHashFormat(f);
  if (flagBool(args, 'base16')) return 'base16';
  if (flagBool(args, 'base32')) return 'nix32';
  if (flagBool(args, 'base64')) return 'base64';
  return 'sri';
}

function print(h: Hash, format: HashFormat): string {
  return h.toString(format, format === 'sri') + '\n';
}

async function hashPaths(argv: string[], defaultMode: 'nar' | 'flat'): Promise<number> {
  const args = parseArgs(argv, HASH_FLAGS);
  const algo: HashAlgo = parseHashAlgo(flagString(args, 'algo') ?? flagString(args, 'type') ?? 'sha256');
  const mode = flagString(args, 'mode') ?? defaultMode;
  if (mode !== 'nar' && mode !== 'flat') throw new UsageError(`unknown file ingestion method '${mode}', expect 'nar' or 'flat'`);
  const format = outputFormat(args);
  for (const p of args.positionals) {
    const h = mode === 'flat' ? hashFile(p, algo) : (await hashPath(p, algo)).hash;
    writeStdout(print(h, format));
  }
  return 0;
}

async function convert(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'hash-algo', arity: 1 }, { name: 'from', arity: 1 }, { name: 'to', arity: 1 }]);
  const algoName = flagString(args, 'hash-algo');
  const algo = algoName === undefined ? undefined : parseHashAlgo(algoName);
  const fromName = flagString(args, 'from');
  const from = fromName === undefined ? undefined : parseHashFormat(fromName);
  const to = parseHashFormat(flagString(args, 'to') ?? 'sri');
  for (const s of args.positionals) {
    const { hash, format } = parseHashReturningFormat(s, algo);
    if (from !== undefined && from !== format) {
      throw new BadHashError(`input hash '${s}' has format '${format}', but '--from ${from}' was specified`);
    }
    writeStdout(print(hash, to));
  }
  return 0;
}

function toFormat(format: HashFormat): (argv: string[]) => Promise<number> {
  return async (argv) => {
    const args = parseArgs(argv, [{ name: 'type', arity: 1 }]);
    const t = flagString(args, 'type');
    const algo = t === undefined ? undefined : parseHashAlgo(t);
    for (const s of args.positionals) writeStdout(print(parseHashReturningFormat(s, algo).hash, format));
    return 0;
  };
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  path: (argv) => hashPaths(argv, 'nar'),
  file: (argv) => hashPaths(argv, 'flat'),
  convert,
  'to-base16': toFormat('base16'),
  'to-base32': toFormat('nix32'),
  'to-base64': toFormat('base64'),
  'to-sri': toFormat('sri'),
};

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!run) throw new UsageError(sub === undefined ? `tix hash needs a subcommand\n${help}` : `unknown subcommand 'hash ${sub}'`);
  return await run(rest);
}
