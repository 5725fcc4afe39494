/**
 * `tix copy`: copy store paths with their closures, as `nix copy` does.
 *
 *   --to file://DIR       write a Nix binary cache (src/substitute/binary-cache-writer.ts)
 *   --from file://DIR|http(s)://URL   substitute from a binary cache into the local store
 *                         (the realisation's substitution path: signatures checked against
 *                         trusted-public-keys, NAR hashes by the store)
 *   --from p2p            have the running node substitute from its peers
 */

import { readFileSync } from 'node:fs';
import type { Settings } from '../../src/config/index.ts';
import { parseSecretKey, type StoreDir, type StorePath, StorePathError } from '../../src/store/index.ts';
import { CACHE_WRITE_COMPRESSIONS, type CacheWriteCompression, ControlClient, defaultStateDir, writeBinaryCache } from '../../src/substitute/index.ts';
import { flagPairs, flagString, parseArgs, type ParsedArgs, UsageError } from '../args.ts';
import { renderRealisation } from '../build-progress.ts';
import { runRealisation } from '../build-run.ts';
import { writeStderr, writeStdout } from '../output.ts';
import { commandSettings } from '../settings.ts';
import { withStore } from '../store-open.ts';

export const summary = 'copy store paths to or from a binary cache or the P2P network (nix copy)';

export const help = `Usage: tix copy --to file://DIR [--option compression zstd|xz|bzip2|none] PATH...
       tix copy --from file://DIR|http(s)://URL PATH...
       tix copy --from p2p [--state DIR] PATH...

Copy each PATH and its closure.

--to file://DIR writes a Nix binary cache that 'nix copy --from file://DIR' reads:
nix-cache-info, one <hash>.narinfo per path and its NAR under nar/ (written under a
temporary name and renamed, references first). Paths the cache has already are skipped.
Each narinfo carries the path's signatures plus one by each key of 'secret-key-files'.
Compression: zstd (the default: fast, and Nix 2.8 reads it), xz (Nix's default; through
the 'xz' program, Debian xz-utils), bzip2 (through 'bzip2') or none. Nix's URL parameters
'?compression=xz' and '?secret-key=FILE' work too.

--from file://DIR or http(s)://URL substitutes from a binary cache into the local store
(NARs in none, xz, zstd, bzip2, gzip or br, as 'nix copy --to' writes them): signatures
are checked against 'trusted-public-keys' as for 'tix build' ('?trusted=1' on the URL
trusts the cache), NAR hashes by the store. Prints the paths.

--from p2p substitutes from the peers of the running tix node (see 'tix node start') into
the node's store. Prints the paths that became valid; a path no peer could provide with a
trusted signature and a correct NAR is reported and makes the exit status 1.

      --store DIR, --option NAME VALUE   the local store and settings, as for every command
      --state DIR   (--from p2p) state directory of the node (default as for 'tix node')
  -v              (--from p2p) also report every rejected answer from a peer, and the
                  peers not asked because they are penalised
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'from', arity: 1 }, { name: 'to', arity: 1 }, { name: 'state', arity: 1 }, { name: 'verbose', aliases: ['-v'] }]);
  const from = flagString(args, 'from');
  const to = flagString(args, 'to');
  if ((from === undefined) === (to === undefined)) throw new UsageError('tix copy: give exactly one of --from and --to');
  if (args.positionals.length === 0) throw new UsageError('tix copy: no paths given');
  if (to !== undefined) return copyTo(args, to);
  if (from === 'p2p') return copyFromNode(args);
  if (/^(file|https?):\/\//.test(from!)) return copyFromCache(args, from!);
  throw new UsageError(`tix copy: unsupported source '${from}' (p2p, file://DIR, http(s)://URL)`);
}

async function copyTo(args: ParsedArgs, to: string): Promise<number> {
  if (!to.startsWith('file://')) throw new UsageError(`tix copy: unsupported destination '${to}' (only file://DIR)`);
  const url = new URL(to);
  if (url.host !== '') throw new UsageError(`tix copy: '${to}' needs an absolute directory (file:///path)`);
  // `--option compression` is the destination's setting, not a tix.conf one.
  const options = flagPairs(args, 'option');
  args.flags.set('option', options.filter(([k]) => k !== 'compression'));
  const compression = options.findLast(([k]) => k === 'compression')?.[1] ?? url.searchParams.get('compression') ?? 'zstd';
  if (!(CACHE_WRITE_COMPRESSIONS as readonly string[]).includes(compression)) {
    throw new UsageError(`tix copy: compression '${compression}' cannot be written (${CACHE_WRITE_COMPRESSIONS.join(', ')})`);
  }
  const dir = decodeURIComponent(url.pathname);
  return withStore(args, async (store, settings) => {
    const paths = args.positionals.map((p) => storePathArg(p, store.storeDir));
    // Nix's `?secret-key=FILE` store parameter signs too.
    const keyParam = url.searchParams.get('secret-key');
    const secretKeys = readSecretKeys([...settings.secretKeyFiles, ...(keyParam ? [keyParam] : [])]);
    const uri = `file://${url.pathname}`;
    const onPath = (p: StorePath, written: boolean) => {
      if (written) writeStderr(`copying path '${store.printPath(p)}' to '${uri}'...\n`);
    };
    await writeBinaryCache(store, paths, dir, { compression: compression as CacheWriteCompression, secretKeys, onPath });
    for (const p of args.positionals) writeStdout(`${p}\n`);
    return 0;
  });
}

async function copyFromCache(args: ParsedArgs, from: string): Promise<number> {
  const settings: Settings = { ...commandSettings(args), substitute: true, substituters: [from] };
  const { result, store } = await runRealisation(settings, args, (s) => args.positionals.map((p) => ({ drvPath: storePathArg(p, s.storeDir), opaque: true })), renderRealisation, false);
  try {
    for (const t of result.targets) if (t.ok) writeStdout(`${store.storeDir.printPath(t.drvPath)}\n`);
    return result.exitStatus === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}

async function copyFromNode(args: ParsedArgs): Promise<number> {
  const client = await ControlClient.connect(flagString(args, 'state') ?? defaultStateDir(process.env));
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

function storePathArg(arg: string, storeDir: StoreDir) {
  try {
    return storeDir.parsePath(arg.startsWith('/') ? arg : `${process.cwd()}/${arg}`);
  } catch (e) {
    if (e instanceof StorePathError) throw new UsageError(`'${arg}' is not a store path: ${e.message}`);
    throw e;
  }
}

function readSecretKeys(files: readonly string[]) {
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read secret key file '${file}' (secret-key-files): ${(e as Error).message}`);
    }
    return parseSecretKey(text, file);
  });
}
