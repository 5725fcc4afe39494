/**
 * `tix store ...`: the local store, with Nix's flags where Nix has the command
 * (`nix store add/add-file/add-path`, `nix-store --dump/--restore`, `nix path-info`,
 * `nix store ls/cat/verify/delete/gc/sign`).
 */

import { readFileSync } from 'node:fs';
import { flagBool, flagList, flagString, parseArgs, UsageError } from '../args.ts';
import { writeStderr, writeStdout } from '../output.ts';
import { withStore } from '../store-open.ts';
import { parseHash, parseHashAlgo } from '../../src/hash/index.ts';
import {
  lookupNarListing,
  NarListingSink,
  listNarText,
  parseNar,
  parsePublicKeys,
  printContentAddress,
  parseSecretKey,
  pathInfoToJson,
  printNarListingJson,
  signPathInfo,
  type PathInfo,
  type StorePath,
} from '../../src/store/index.ts';
import { closureSize, describeProblem, type LocalStore, readFdChunks, repairStoreDb, resolveStoreLayout, sortedPaths, StoreError } from '../../src/store/local/index.ts';
import { commandSettings } from '../settings.ts';
import type { Settings } from '../../src/config/index.ts';

export const summary = 'manipulate the local store (add, dump, path-info, verify, gc, ...)';

export const help = `Usage: tix store COMMAND [FLAGS] ARGS...
Every command also takes --store DIR and --option NAME VALUE.

  add [--mode nar|flat] [--name N] [--hash-algo A] PATH
                 add a file or tree; print its store path (nix store add;
                 also add-path = --mode nar, add-file = --mode flat)
  dump PATH      write the NAR of a store path to stdout (nix-store --dump)
  restore PATH [--nar-hash H] [--reference P]... [--deriver D] [--sig S]...
                 read a NAR on stdin and register it as store path PATH
  path-info [--json] [-r] [-s|--size] [-S|--closure-size] [--sigs] [-h] PATH...
                 show what the store knows about paths (nix path-info)
  ls [-R] [-l] [-d] [--json] PATH
                 list a path inside the store (nix store ls)
  cat PATH       print a file inside the store (nix store cat)
  verify [--all] [--check-contents] [--sigs] [--repair] [PATH...]
                 check paths against the database; report every problem;
                 --repair: substitute or rebuild paths whose files are missing
                 or modified
  delete PATH... delete paths that nothing needs (nix-store --delete)
  gc [--max-freed N] [--print-roots | --print-live | --print-dead]
                 delete what no GC root needs (nix-store --gc)
  sign --key-file FILE [-r] PATH...
                 sign paths with a secret key (nix store sign)
  repair-db      rebuild a damaged store database from what is readable
                 (a copy of the damaged one is kept beside it)
`;

async function storePaths(store: LocalStore, args: readonly string[]): Promise<StorePath[]> {
  const out: StorePath[] = [];
  for (const a of args) out.push(await store.validStorePath(a));
  return out;
}

async function add(argv: string[], defaultMode?: 'nar' | 'flat'): Promise<number> {
  const args = parseArgs(argv, [{ name: 'mode', arity: 1 }, { name: 'name', aliases: ['-n'], arity: 1 }, { name: 'hash-algo', arity: 1 }, { name: 'dry-run' }]);
  if (args.positionals.length !== 1) throw new UsageError('tix store add expects exactly one PATH');
  const modeFlag = flagString(args, 'mode') ?? defaultMode ?? 'nar';
  const mode = modeFlag === 'nix-archive' ? 'nar' : modeFlag;
  if (mode !== 'nar' && mode !== 'flat') throw new UsageError(`unknown --mode '${modeFlag}', expected 'nar' or 'flat'`);
  const algo = parseHashAlgo(flagString(args, 'hash-algo') ?? 'sha256');
  return withStore(args, async (store) => {
    const info = await store.addToStore(args.positionals[0]!, { method: mode, hashAlgo: algo, name: flagString(args, 'name') });
    writeStdout(store.printPath(info.path) + '\n');
    return 0;
  });
}

async function dump(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  if (args.positionals.length !== 1) throw new UsageError('tix store dump expects exactly one PATH');
  return withStore(args, async (store) => {
    const path = await store.validStorePath(args.positionals[0]!);
    for await (const chunk of await store.narFromPath(path)) writeStdout(chunk);
    return 0;
  });
}

async function restore(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [
    { name: 'nar-hash', arity: 1 },
    { name: 'reference', arity: 1, repeatable: true },
    { name: 'deriver', arity: 1 },
    { name: 'sig', arity: 1, repeatable: true },
  ]);
  if (args.positionals.length !== 1) throw new UsageError('tix store restore expects exactly one store PATH');
  return withStore(args, async (store) => {
    const path = store.parseStorePath(args.positionals[0]!);
    const narHash = flagString(args, 'nar-hash');
    const deriver = flagString(args, 'deriver');
    const { alreadyValid } = await store.importNar(path, readFdChunks(0), {
      narHash: narHash ? parseHash(narHash, 'sha256') : undefined,
      references: flagList(args, 'reference').map((r) => store.parseStorePath(r)),
      deriver: deriver ? store.parseStorePath(deriver) : undefined,
      sigs: flagList(args, 'sig'),
    });
    if (alreadyValid) writeStderr(`warning: path '${store.printPath(path)}' is already valid; the NAR was not read\n`);
    return 0;
  });
}

/** Nix's `renderSize`: "12.3 MiB", at least KiB. */
function renderSize(n: number): string {
  const units = ['K', 'K', 'M', 'G', 'T', 'P', 'E'];
  let unit = 0;
  for (let abs = Math.abs(n); abs > 1024 && unit < units.length - 1; abs = Math.floor(abs / 1024)) unit++;
  return `${(n / 1024 ** Math.max(1, unit)).toFixed(1)} ${units[unit]}iB`;
}

async function pathInfo(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [
    { name: 'json' },
    { name: 'json-format', arity: 1 },
    { name: 'recursive', aliases: ['-r'] },
    { name: 'size', aliases: ['-s'] },
    { name: 'closure-size', aliases: ['-S'] },
    { name: 'sigs' },
    { name: 'human-readable', aliases: ['-h'] },
  ]);
  const fmt = flagString(args, 'json-format');
  if (fmt !== undefined && fmt !== '1') throw new UsageError(`--json-format ${fmt} is not supported; tix prints format 1`);
  return withStore(args, async (store) => {
    const json = flagBool(args, 'json');
    const requested = args.positionals.map((a) => store.parseStorePath(a));
    let paths = requested;
    if (flagBool(args, 'recursive')) {
      paths = sortedPaths([...(await store.computeClosure(await storePaths(store, args.positionals))).values()].map((i) => i.path));
    } else if (!json) {
      paths = await storePaths(store, args.positionals);
    }
    const infos = await store.db.queryPathInfos(paths);
    const closureSizeOf = async (p: StorePath) => closureSize(await store.computeClosure([p]));
    if (json) {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < paths.length; i++) {
        const info = infos[i];
        const key = store.printPath(paths[i]!);
        if (!info) {
          out[key] = null;
          continue;
        }
        const obj = pathInfoToJson(info, store.storeDir);
        if (flagBool(args, 'closure-size')) obj.closureSize = await closureSizeOf(info.path);
        out[key] = Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : 1)));
      }
      writeStdout(JSON.stringify(out) + '\n');
      return 0;
    }
    const width = Math.max(0, ...paths.map((p) => store.printPath(p).length));
    const size = (n: number) => (flagBool(args, 'human-readable') ? `\t${renderSize(n)}` : `\t${String(n).padStart(11)}`);
    for (const info of infos) {
      const p = store.printPath(info!.path);
      let line = p;
      if (flagBool(args, 'size') || flagBool(args, 'closure-size') || flagBool(args, 'sigs')) line += ' '.repeat(width - p.length);
      if (flagBool(args, 'size')) line += size(info!.narSize);
      if (flagBool(args, 'closure-size')) line += size(await closureSizeOf(info!.path));
      if (flagBool(args, 'sigs')) {
        const ss = [...(info!.ultimate ? ['ultimate'] : []), ...(info!.ca ? [`ca:${printContentAddress(info!.ca)}`] : []), ...info!.sigs];
        line += '\t' + ss.join(' ');
      }
      writeStdout(line + '\n');
    }
    return 0;
  });
}

/** The listing of the store path containing `arg`, and the path inside it. */
async function listingOf(store: LocalStore, arg: string) {
  const path = store.parseStorePath(arg);
  await store.validStorePath(store.printPath(path));
  const logical = arg.startsWith(store.layout.realStoreDir + '/') ? store.storeDir.dir + arg.slice(store.layout.realStoreDir.length) : arg;
  const inner = store.storeDir.parsePathWithin(logical).rest || '/';
  const sink = new NarListingSink();
  await parseNar(await store.narFromPath(path), sink);
  return { node: lookupNarListing(sink.listing, inner), inner, path };
}

async function ls(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'recursive', aliases: ['-R'] }, { name: 'long', aliases: ['-l'] }, { name: 'directory', aliases: ['-d'] }, { name: 'json' }]);
  if (args.positionals.length !== 1) throw new UsageError('tix store ls expects exactly one PATH');
  return withStore(args, async (store) => {
    const { node, path, inner } = await listingOf(store, args.positionals[0]!);
    if (flagBool(args, 'json')) {
      writeStdout(printNarListingJson(node, flagBool(args, 'recursive')) + '\n');
      return 0;
    }
    const base = store.printPath(path) + (inner === '/' ? '' : inner);
    const lines = listNarText(node, base, { recursive: flagBool(args, 'recursive'), long: flagBool(args, 'long'), directory: flagBool(args, 'directory') });
    writeStdout(lines.map((l) => l + '\n').join(''));
    return 0;
  });
}

async function cat(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  if (args.positionals.length !== 1) throw new UsageError('tix store cat expects exactly one PATH');
  return withStore(args, async (store) => {
    const { node, path, inner } = await listingOf(store, args.positionals[0]!);
    if (node.type !== 'regular') throw new StoreError('E_NOT_A_FILE', `path '${store.printPath(path)}${inner === '/' ? '' : inner}' is not a regular file`);
    writeStdout(readFileSync(store.realPath(path) + (inner === '/' ? '' : inner)));
    return 0;
  });
}

async function verify(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'all' }, { name: 'check-contents' }, { name: 'sigs' }, { name: 'repair' }]);
  if (flagBool(args, 'all') === args.positionals.length > 0) throw new UsageError('tix store verify expects --all or some PATHs');
  const repair = flagBool(args, 'repair');
  let settings: Settings | undefined;
  const { failed, checked, damaged } = await withStore(args, async (store, s) => {
    settings = s;
    const paths = flagBool(args, 'all') ? undefined : args.positionals.map((a) => store.parseStorePath(a));
    let failed = 0;
    let checked = 0;
    const damaged: StorePath[] = [];
    for await (const ev of store.verify({
      paths,
      checkContents: flagBool(args, 'check-contents'),
      trust: flagBool(args, 'sigs') ? { trustedKeys: parsePublicKeys(s.trustedPublicKeys) } : undefined,
    })) {
      if (ev.type === 'done') ({ failed, checked } = ev);
      else if (ev.type !== 'checked') {
        writeStderr(`error: ${describeProblem(ev, (p) => store.printPath(p))}\n`);
        if (ev.type === 'missing' || ev.type === 'modified' || ev.type === 'unreadable') damaged.push(ev.path);
      }
    }
    const infos = repair ? ((await store.db.queryPathInfos(damaged)).filter(Boolean) as PathInfo[]) : [];
    return { failed, checked, damaged: infos };
  });
  if (failed > 0) writeStderr(`${failed} of ${checked} paths have problems\n`);
  if (!repair || damaged.length === 0) return failed > 0 ? 1 : 0;
  // Paths with other problems (invalid references, untrusted) are not fixed by repairing files.
  const unfixable = failed - damaged.length;
  // The builder and the substituters are loaded only when there is something to repair:
  // every other `tix store` command starts without them (about half of the modules).
  const { repairDamaged } = await import('../build-run.ts');
  const left = await repairDamaged(settings!, damaged, (o, print) => {
    if (o.how === 'substituted') writeStderr(`repaired '${print(o.path)}' from '${o.from}'\n`);
    else if (o.how === 'rebuilt') writeStderr(`repaired '${print(o.path)}' by rebuilding '${print(o.drvPath)}'\n`);
    else writeStderr(`error: cannot repair '${print(o.path)}': ${o.reason}\n`);
  });
  return left + unfixable > 0 ? 1 : 0;
}

async function del(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  if (args.positionals.length === 0) throw new UsageError('tix store delete expects at least one PATH');
  return withStore(args, async (store) => {
    const paths = await storePaths(store, args.positionals);
    const { deleted, bytesFreed } = await store.deletePaths(paths);
    for (const p of deleted) writeStderr(`deleting '${store.printPath(p)}'\n`);
    writeStdout(`${deleted.length} store paths deleted, ${renderSize(bytesFreed)} freed\n`);
    return 0;
  });
}

async function gc(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'max-freed', arity: 1 }, { name: 'print-roots' }, { name: 'print-live' }, { name: 'print-dead' }]);
  if (args.positionals.length > 0) throw new UsageError('tix store gc takes no arguments');
  const printers = ['print-roots', 'print-live', 'print-dead'].filter((f) => flagBool(args, f));
  if (printers.length > 1) throw new UsageError('--print-roots, --print-live and --print-dead exclude each other');
  const maxFreedFlag = flagString(args, 'max-freed');
  if (maxFreedFlag !== undefined && printers.length > 0) throw new UsageError('option --max-freed cannot be combined with --print-live, --print-dead, or --print-roots');
  const maxFreed = maxFreedFlag === undefined ? undefined : parseSize(maxFreedFlag);
  return withStore(args, async (store, settings) => {
    const action = (printers[0] ?? 'delete-dead') as 'print-roots' | 'print-live' | 'print-dead' | 'delete-dead';
    let summary = '';
    for await (const ev of store.collectGarbage({ action, maxFreed, keepDerivations: settings.keepDerivations, keepOutputs: settings.keepOutputs })) {
      if (ev.type === 'root') writeStdout(`${ev.link} -> ${store.printPath(ev.path)}\n`);
      else if (ev.type === 'live' || ev.type === 'dead') writeStdout(store.printPath(ev.path) + '\n');
      else if (ev.type === 'deleted') writeStderr(`deleting '${typeof ev.path === 'string' ? ev.path : store.printPath(ev.path)}'\n`);
      else if (ev.type === 'done') summary = `${ev.deleted} store paths deleted, ${renderSize(ev.bytesFreed)} freed\n`;
    }
    if (summary) writeStdout(summary);
    return 0;
  });
}

function parseSize(s: string): number {
  const m = /^([0-9]+)([KMGT]?)$/i.exec(s);
  if (!m) throw new UsageError(`'${s}' is not an integer`);
  return Number(m[1]) * 1024 ** ' KMGT'.indexOf((m[2] || ' ').toUpperCase());
}

async function sign(argv: string[]): Promise<number> {
  const args = parseArgs(argv, [{ name: 'key-file', aliases: ['-k'], arity: 1 }, { name: 'recursive', aliases: ['-r'] }]);
  const keyFile = flagString(args, 'key-file');
  if (!keyFile) throw new UsageError("tix store sign: required flag '--key-file' is missing");
  const key = parseSecretKey(readFileSync(keyFile, 'utf8'), keyFile);
  return withStore(args, async (store) => {
    let paths = await storePaths(store, args.positionals);
    if (flagBool(args, 'recursive')) paths = sortedPaths([...(await store.computeClosure(paths)).values()].map((i) => i.path));
    let added = 0;
    for (const info of await store.db.queryPathInfos(paths)) {
      const sig = signPathInfo(info!, store.storeDir, key);
      if (info!.sigs.includes(sig)) continue;
      await store.db.addSignatures(info!.path, [sig]);
      added++;
    }
    writeStderr(`added ${added} signatures\n`);
    return 0;
  });
}

async function repairDb(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  if (args.positionals.length > 0) throw new UsageError('tix store repair-db takes no arguments');
  const layout = resolveStoreLayout(commandSettings(args).store);
  const r = await repairStoreDb(layout, new Date());
  if (r.outcome === 'intact') {
    writeStderr(`the store database in '${layout.dbDir}' is readable (${r.paths} valid paths); nothing to repair\n`);
    return 0;
  }
  writeStderr(`repaired the store database in '${layout.dbDir}': ${r.paths} valid paths kept; the damaged copy is in '${r.backup}'\n`);
  writeStderr(`run 'tix store verify --all --check-contents' next; 'tix store gc' removes files whose records were lost\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  add: (a) => add(a),
  'add-path': (a) => add(a, 'nar'),
  'add-file': (a) => add(a, 'flat'),
  dump,
  'dump-path': dump,
  restore,
  'path-info': pathInfo,
  ls,
  cat,
  verify,
  delete: del,
  gc,
  sign,
  'repair-db': repairDb,
};

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!run) throw new UsageError(sub === undefined ? `tix store needs a subcommand\n${help}` : `unknown subcommand 'store ${sub}'`);
  return await run(rest);
}


