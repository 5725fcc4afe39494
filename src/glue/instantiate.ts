/**
 * Instantiation for the commands that build (`tix build FILE|-E EXPR`, as nix-build's first
 * half): evaluate, select `-A` paths, auto-call with `--arg`/`--argstr`, and collect the
 * derivations the value denotes, recording every source, text and `.drv` the evaluation
 * computed so that the caller can write them into its store (`flushStoreWrites`) before
 * building.
 */

import { defaultSettings, Evaluator, instantiateExpr, type EvalSettings } from '../lang/index.ts';
import { autoArgs as makeAutoArgs, exprInputs } from './command-inputs.ts';
import { latin1, utf8 } from './latin1.ts';
import { NodeEvalHost } from './eval-host.ts';
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

export function instantiate(req: InstantiateRequest): Instantiation {
  const writes = new StoreWrites();
  const host = new NodeEvalHost({ nixPath: req.nixPath.map(latin1), storeDir: req.storeDir, realStoreDir: req.realStoreDir, system: req.system, env: req.env, log: req.log, writes });
  const settings = { ...defaultSettings(), ...req.settings, readOnly: false };
  const ev = new Evaluator({ host, settings });
  const cwd = latin1(req.cwd);
  const exprs = req.exprs ?? [];
  const inputs = exprInputs(ev, exprs.length > 0 ? { args: exprs, exprs: true } : { args: req.file !== undefined ? [req.file] : [], exprs: false }, cwd);
  const derivations: InstantiatedDerivation[] = [];
  const attrPaths = (req.attrPaths ?? []).map(latin1);
  try {
    const autoArgs = makeAutoArgs(ev, req.args ?? [], req.argstrs ?? [], cwd);
    for (const input of inputs) {
      const file = ev.run(input);
      for (const d of instantiateExpr(ev, file, attrPaths, autoArgs)) {
        // The evaluator's paths are latin1 byte strings; callers get the file name's text.
        derivations.push({ drvPath: utf8(d.drvPath), outputName: d.outputName });
      }
    }
  } catch (e) {
    // The fetchers' temporary files are only needed by a store flush that will not happen.
    host.dispose();
    throw e;
  }
  return { derivations, writes, dispose: () => host.dispose() };
}
