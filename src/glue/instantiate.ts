/**
 * Instantiation for the commands that build (`tix build FILE|-E EXPR`, as nix-build's first
 * half): evaluate, select `-A` paths, auto-call with `--arg`/`--argstr`, and collect the
 * derivations the value denotes, recording every source, text and `.drv` the evaluation
 * computed so that the caller can write them into its store (`flushStoreWrites`) before
 * building.
 */

import { AttrsBuilder, canonPath, defaultSettings, Evaluator, instantiateExpr, Thunk, type EvalSettings, type ParsedFile } from '../lang/index.ts';
import { NodeEvalHost } from './eval-host.ts';
import { resolveExprPath } from './expr-path.ts';
import { StoreWrites } from './store-writes.ts';

export interface InstantiateRequest {
  /** A file (or directory with default.nix) to evaluate; ignored when `exprs` is given. */
  readonly file?: string;
  /** Expressions (`-E`). */
  readonly exprs?: readonly string[];
  readonly attrPaths?: readonly string[];
  /** `--arg NAME EXPR` pairs. */
  readonly args?: readonly (readonly [string, string])[];
  /** `--argstr NAME VALUE` pairs. */
  readonly argstrs?: readonly (readonly [string, string])[];
  readonly cwd: string;
  readonly nixPath: readonly string[];
  readonly storeDir: string;
  /** Where the store's files are when it is a chroot store (reads of store paths go there). */
  readonly realStoreDir?: string;
  readonly system?: string;
  readonly settings?: Partial<EvalSettings>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: (line: string) => void;
}

export interface InstantiatedDerivation {
  /** Absolute (logical) path of the `.drv`. */
  readonly drvPath: string;
  readonly outputName: string;
}

export interface Instantiation {
  readonly derivations: InstantiatedDerivation[];
  readonly writes: StoreWrites;
  /** Remove the fetchers' temporary files: call once `writes` were flushed. */
  readonly dispose: () => void;
}

/** Strings inside the evaluator are latin1 byte strings; command-line text is UTF-8. */
function latin1(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export function instantiate(req: InstantiateRequest): Instantiation {
  const writes = new StoreWrites();
  const host = new NodeEvalHost({ nixPath: req.nixPath.map(latin1), storeDir: req.storeDir, realStoreDir: req.realStoreDir, system: req.system, env: req.env, log: req.log, writes });
  const settings = { ...defaultSettings(), ...req.settings, readOnly: false };
  const ev = new Evaluator({ host, settings });
  const cwd = latin1(req.cwd);
  const auto = new AttrsBuilder();
  for (const [name, text] of req.args ?? []) {
    auto.add(latin1(name), new Thunk(() => ev.evalParsed(ev.parseString(latin1(text), cwd))));
  }
  for (const [name, value] of req.argstrs ?? []) auto.add(latin1(name), latin1(value));
  const autoArgs = auto.finish();
  const inputs: (() => ParsedFile)[] =
    req.exprs !== undefined && req.exprs.length > 0
      ? req.exprs.map((text) => () => ev.parseString(latin1(text), cwd))
      : [() => ev.parseFile(resolveExprPath(canonPath(latin1(req.file ?? './default.nix'), cwd)))];
  const derivations: InstantiatedDerivation[] = [];
  const attrPaths = (req.attrPaths ?? []).map(latin1);
  try {
    for (const input of inputs) {
      const file = ev.run(input);
      for (const d of instantiateExpr(ev, file, attrPaths, autoArgs)) {
        // The evaluator's paths are latin1 byte strings; callers get the file name's text.
        derivations.push({ drvPath: Buffer.from(d.drvPath, 'latin1').toString(), outputName: d.outputName });
      }
    }
  } catch (e) {
    // The fetchers' temporary files are only needed by a store flush that will not happen.
    host.dispose();
    throw e;
  }
  return { derivations, writes, dispose: () => host.dispose() };
}
