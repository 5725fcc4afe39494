/**
 * `tix build`: evaluate, realise, link and print, as `nix-build` does.
 *
 *   tix build [FILE] [-A ATTR]... [-E EXPR] [--arg NAME EXPR] [--argstr NAME VALUE]
 *             [-o LINK | --no-out-link] [build flags]
 *
 * Each derivation the expression yields is realised; `./result` (then `result-2`,
 * `result-3`…, with `-<output>` for outputs other than `out`) points at its output and is
 * registered as an indirect GC root; the output paths are printed. A `.drv` store path as
 * FILE is realised directly (all its outputs).
 */

import { lstatSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LocalBuildStore, RealiseTarget } from '../../src/build/index.ts';
import { flagBool, flagList, flagPairs, flagString, parseArgs, UsageError } from '../args.ts';
import { renderRealisation } from '../build-progress.ts';
import { buildFlags, parseTarget, runRealisation } from '../build-run.ts';
import { writeStderr, writeStdout } from '../output.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';
import { instantiateToStore, renderNixError, searchPath } from '../../src/glue/index.ts';
import { resolveStoreLayout } from '../../src/store/local/index.ts';
import { commandSettings } from '../settings.ts';

export const summary = 'build a Nix expression or a store derivation and link ./result (nix-build)';

export const help = `Usage: tix build [FILE] [-A ATTR]... [-E EXPR] [FLAGS]

Evaluate FILE (default ./default.nix) or EXPR, build the derivations it yields, create
./result (result-2, result-<output>...) as garbage collector roots and print the output
paths. FILE may also be a store derivation (.drv), which is built as it is.

  -A, --attr ATTR        build this attribute of the expression (repeatable)
  -E, --expr EXPR        evaluate EXPR instead of a file
      --arg NAME EXPR    pass NAME = EXPR to the expression if it is a function
      --argstr NAME STR  pass NAME = "STR"
  -o, --out-link LINK    name the links LINK, LINK-2... instead of result
      --no-out-link      do not create links
  -j, --max-jobs N       build at most N derivations at once
  -k, --keep-going       keep building what does not depend on a failed build
      --fallback         build locally when substituting an output fails
      --check            rebuild and report outputs that differ
      --dry-run          show what would be built or fetched, then stop
  -Q, --quiet            do not show the builders' output
      --option NAME VALUE, --store DIR   as for every command
`;

const FLAGS = [
  ...buildFlags,
  { name: 'attr', aliases: ['-A'], arity: 1 as const, repeatable: true },
  { name: 'expr', aliases: ['-E'] },
  { name: 'arg', arity: 2 as const, repeatable: true },
  { name: 'argstr', arity: 2 as const, repeatable: true },
  { name: 'out-link', aliases: ['-o'], arity: 1 as const },
  { name: 'no-out-link' },
  { name: 'include', aliases: ['-I'], arity: 1 as const, repeatable: true },
  { name: 'show-trace' },
];

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (args.positionals.length > 1 && !flagBool(args, 'expr')) throw new UsageError('tix build: at most one FILE');
  const settings = commandSettings(args);
  const evaluating = flagBool(args, 'expr') || !/\.drv(![^/]*)?$/.test(args.positionals[0] ?? '');
  let evaluated: string[] = [];
  if (evaluating) {
    try {
      evaluated = (await instantiateToStore(
        {
          file: args.positionals[0],
          exprs: flagBool(args, 'expr') ? args.positionals : undefined,
          attrPaths: flagList(args, 'attr'),
          args: flagPairs(args, 'arg'),
          argstrs: flagPairs(args, 'argstr'),
          cwd: process.cwd(),
          nixPath: searchPath(flagList(args, 'include'), process.env, settings.nixPath),
          system: settings.system,
          settings: { showTrace: flagBool(args, 'show-trace') },
        },
        resolveStoreLayout(settings.store),
        { fsync: settings.fsyncMetadata },
      )).map((d) => `${d.drvPath}!${d.outputName}`);
    } catch (e) {
      const text = renderNixError(e, flagBool(args, 'show-trace'), 'nix-build');
      if (text === undefined) throw e;
      writeStderr(Buffer.from(text, 'latin1'));
      return EXIT_FAILURE;
    }
  }
  const { result, store, storeDir } = await runRealisation(
    settings,
    args,
    async (s) => {
      const file = args.positionals[0] ?? './default.nix';
      if (!flagBool(args, 'expr') && /\.drv(![^/]*)?$/.test(file)) {
        if (flagList(args, 'attr').length > 0) throw new UsageError('tix build: -A cannot select from a store derivation');
        return [await drvTarget(s, parseTarget(file, s.storeDir), file)];
      }
      return evaluated.map((t) => parseTarget(t, s.storeDir));
    },
    renderRealisation,
  );
  try {
    if (flagBool(args, 'dry-run')) return 0;
    const outLink = flagBool(args, 'no-out-link') ? undefined : (flagString(args, 'out-link') ?? 'result');
    let i = 0;
    for (const t of result.targets) {
      if (!t.ok) continue;
      for (const [output, p] of t.outputs) {
        const path = `${storeDir}/${p.baseName}`;
        if (outLink !== undefined) {
          const link = resolve(outLink + (i > 0 ? `-${i + 1}` : '') + (output !== 'out' && output !== '' ? `-${output}` : ''));
          replaceSymlink(path, link, storeDir);
          await store.addIndirectRoot(link);
        }
        writeStdout(path + '\n');
      }
      i++;
    }
    return result.exitStatus;
  } finally {
    await store.close();
  }
}

/**
 * The one output nix-build builds of a store derivation (Nix's `PackageInfo` of a .drv
 * path): the one named after `!`, else the drv's `outputName` variable, else `out`.
 */
async function drvTarget(store: LocalBuildStore, t: RealiseTarget, arg: string): Promise<RealiseTarget> {
  if (t.outputs && t.outputs.length > 1) throw new OutputSelectionError(`building more than one derivation output is not supported, in '${arg}'`);
  if (t.outputs && t.outputs.length === 1) return t;
  // A .drv that is not here yet (to be substituted, or unknown) is reported by realise.
  const drv = await store.readDerivation(t.drvPath).catch(() => undefined);
  const name = drv?.env.get('outputName') ?? 'out';
  if (drv && !drv.outputs.has(name)) throw new OutputSelectionError(`derivation '${store.storeDir.printPath(t.drvPath)}' does not have output '${name}'`);
  return { ...t, outputs: [name] };
}

class OutputSelectionError extends Error {
  override readonly name = 'OutputSelectionError';
  readonly code = 'E_OUTPUT_SELECTION';
}

/** `-o LINK` would replace a file or a link that is not a GC root of this store. */
class OutLinkError extends Error {
  override readonly name = 'OutLinkError';
  readonly code = 'E_OUT_LINK_EXISTS';
}

/**
 * Point `link` at `target`, replacing atomically a previous symlink into the store; like
 * Nix's `addPermRoot`, never clobber a real file or a link pointing elsewhere.
 */
function replaceSymlink(target: string, link: string, storeDir: string): void {
  let clobbers = false;
  try {
    clobbers = !lstatSync(link).isSymbolicLink() || !readlinkSync(link).startsWith(storeDir + '/');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (clobbers) throw new OutLinkError(`cannot create symlink '${link}'; already exists`);
  const tmp = `${link}.tix-tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}
