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

import { lstatSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RealiseTarget } from '../../src/build/index.ts';
import { flagBool, flagList, flagPairs, flagString, parseArgs, UsageError } from '../args.ts';
import { renderRealisation } from '../build-progress.ts';
import { buildFlags, parseTarget, runRealisation } from '../build-run.ts';
import { writeStderr, writeStdout } from '../output.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';
import { instantiateToStore, parseNixPath, renderNixError } from '../../src/glue/index.ts';
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
  const evaluating = flagBool(args, 'expr') || !(args.positionals[0] ?? '').endsWith('.drv');
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
          nixPath: [...flagList(args, 'include'), ...(process.env['NIX_PATH'] !== undefined ? parseNixPath(process.env['NIX_PATH']) : settings.nixPath)],
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
    (s) => {
      const file = args.positionals[0] ?? './default.nix';
      if (!flagBool(args, 'expr') && file.endsWith('.drv')) {
        if (flagList(args, 'attr').length > 0) throw new UsageError('tix build: -A cannot select from a store derivation');
        return [parseTarget(file, s.storeDir)];
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
          replaceSymlink(path, link);
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
 * The derivations an expression yields (`nix-instantiate` + output selection). The
 * evaluator plugs in here; until it does, only `.drv` paths can be built.
 */
/** Point `link` at `target`, replacing a previous symlink atomically (never a real file). */
function replaceSymlink(target: string, link: string): void {
  try {
    if (!lstatSync(link).isSymbolicLink()) throw new UsageError(`'${link}' exists and is not a symlink; not replacing it`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const tmp = `${link}.tix-tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}
