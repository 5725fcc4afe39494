/**
 * Realising one derivation by building it. Nix: `LocalDerivationGoal` (tryLocalBuild,
 * startBuilder, registerOutputs), for one derivation whose inputs are already valid.
 *
 *   lock the outputs → (valid already? done) → input closure → two temporary trees:
 *     <build-dir>/tix-build-<name>-XXXX/  build/ (the build dir)
 *     store.makeTempTree(<name>)          the sandbox's /nix/store: outputs appear here,
 *                                         on the store's filesystem so they move by rename
 *   → run the builder in the sandbox, its output going to the store's log file for it
 *     → finish the log (compress it when large)
 *   → check, canonicalise, scan and hash the outputs (outputs.ts) → register them
 *     atomically → unlock; the locks are released and the trees removed in the
 *     background (remove-tree.ts), except a successful sandbox's store directory and a
 *     build top its builder left as it was, kept for the next build (store-views.ts).
 *
 * A process killed at any point leaves at most a stale build tree (never a valid partial
 * output): outputs become valid only in the store's final atomic batch.
 */

import { chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Derivation } from '../store/drv/derivation.ts';
import type { StorePath } from '../store/store-path.ts';
import { BuildLog, logTail } from './build-log.ts';
import type { BuildStore } from './build-store.ts';
import { makeBuilderEnv } from './builder-env.ts';
import { BuildError, describeExit } from './errors.ts';
import { processOutputs, type OutputPolicy } from './outputs.ts';
import { finishLater, removeTree, removeTreeLater } from './remove-tree.ts';
import { type BuildTop, keepStoreView, releaseBuildTop, takeBuildTop, takeStoreView } from './store-views.ts';
import type { Sandbox, SandboxPath } from './sandbox.ts';

export interface RealiseOneOptions {
  readonly store: BuildStore;
  readonly sandbox: Sandbox;
  readonly drvPath: StorePath;
  readonly drv: Derivation;
  /** Every output's path (input-addressed or fixed). */
  readonly outputPaths: ReadonlyMap<string, StorePath>;
  /** The store paths the build reads: input sources and the used outputs of input derivations. */
  readonly inputPaths: readonly StorePath[];
  /** References already looked up in this realisation (see BuildStore.computeClosure). */
  readonly knownReferences?: Map<string, readonly StorePath[]>;
  /** Rebuild valid outputs and compare (`--check`). */
  readonly check: boolean;
  /** With `check`: replace the outputs' files by the rebuilt ones when they match. */
  readonly repair?: boolean;
  readonly cores: number;
  /** Where build directories are made (`build-dir`; default the temp dir, as Nix). */
  readonly buildDir?: string;
  /** `sandbox-paths`, with store paths already resolved to physical ones. */
  readonly sandboxPaths: readonly SandboxPath[];
  /** Lines of log shown when the build fails (`log-lines`). */
  readonly logLines: number;
  /** What new outputs get (signatures from `secret-key-files`). */
  readonly policy: OutputPolicy;
  /** Host environment for `impureEnvVars` of fixed-output derivations. */
  readonly hostEnv?: (name: string) => string | undefined;
  /** Receives complete log lines while the builder runs. */
  readonly onLogLines?: (lines: string[]) => void;
  readonly signal?: AbortSignal;
}

export type RealiseOneResult = 'built' | 'checked' | 'already-valid';

/** How often a running build's log is read for streaming. */
const LOG_POLL_MS = 100;

export async function realiseOne(o: RealiseOneOptions): Promise<RealiseOneResult> {
  const { store, drvPath } = o;
  const printed = store.storeDir.printPath(drvPath);
  const outputs = [...o.outputPaths.values()];
  const lockNames = outputs.map((p) => p.baseName);
  await store.lockPaths(lockNames, { wait: true, signal: o.signal });
  try {
    // Another process may have built them while we waited for the locks.
    const valid = await store.queryValidPaths(outputs);
    if (!o.check && valid.length === outputs.length) return 'already-valid';
    if (o.check && valid.length !== outputs.length) {
      throw new BuildError('E_CHECK_IMPOSSIBLE', `some outputs of '${printed}' are not valid, so checking is not possible`, { storePath: printed });
    }
    // The log file is made ready (under the locks: it replaces an earlier build's) while
    // the closure is computed.
    const logFile = store.buildLogFile(o.drvPath);
    logFile.catch(() => {});
    const closure = await store.computeClosure(o.inputPaths, o.knownReferences);
    await store.addTempRoots(closure);
    return await buildIn(o, closure, printed, o.check ? new Set() : new Set(valid.map((p) => p.baseName)), await logFile);
  } finally {
    // The outputs are valid (or the build failed): nothing of this process waits for these
    // locks, so the next build need not wait for the DB to release them. Another process
    // that does gets them a moment later; a lost release ends with this process's handle.
    finishLater(store.unlockPaths(lockNames));
  }
}

async function buildIn(o: RealiseOneOptions, closure: readonly StorePath[], printed: string, alreadyValid: ReadonlySet<string>, logFile: string): Promise<RealiseOneResult> {
  const { store, drv } = o;
  // Written where `tix log` finds it while the build runs, as Nix does.
  const log = new BuildLog(logFile);
  // A sandboxed build may reuse the directories of an earlier one (store-views.ts).
  const reusable = o.sandbox.kind === 'bwrap';
  let top: BuildTop;
  try {
    top = takeBuildTop(o.buildDir ?? tmpdir(), drv.name, reusable);
  } catch (e) {
    log.close();
    throw e;
  }
  const hostBuildDir = top.build;
  let hostStoreDir: string | undefined;
  let ran = false;
  try {
    const inputs = new Map(closure.map((p) => [p.baseName, join(store.realStoreDir, p.baseName)]));
    // A sandbox may start from the store directory of an earlier build (store-views.ts).
    hostStoreDir = (o.sandbox.kind === 'bwrap' ? takeStoreView(store.realStoreDir, inputs) : undefined) ?? store.makeTempTree(drv.name);
    chmodSync(hostStoreDir, 0o1775);
    // Without a sandbox on the real store, outputs are made in place: clear stale leftovers.
    const actualDir = o.sandbox.inPlace ? store.realStoreDir : hostStoreDir;
    if (o.sandbox.inPlace) for (const p of o.outputPaths.values()) if (!alreadyValid.has(p.baseName)) removeTree(join(actualDir, p.baseName));
    const buildDir = o.sandbox.buildDirFor(hostBuildDir);
    const outputPaths = new Map([...o.outputPaths].map(([name, p]) => [name, store.storeDir.printPath(p)]));
    const env = makeBuilderEnv({
      env: drv.env,
      builder: drv.builder,
      args: drv.args,
      outputPaths,
      fixedOutput: isFixedOutput(drv),
      storeDir: store.storeDir.dir,
      buildDir,
      cores: o.cores,
      hostEnv: o.hostEnv,
    });
    for (const [name, contents] of env.files) writeFileSync(join(hostBuildDir, name), contents, 'latin1');
    checkBuilder(o, env.builder, inputs, printed);

    const poll = o.onLogLines ? setInterval(() => emitLines(o, log, false), LOG_POLL_MS) : undefined;
    let result;
    try {
      result = await o.sandbox.run({
        builder: env.builder,
        args: env.args,
        env: env.env,
        storeDir: store.storeDir.dir,
        hostBuildDir,
        hostStoreDir,
        inputs,
        sandboxPaths: o.sandboxPaths,
        network: isFixedOutput(drv),
        logFd: log.fd,
        logPath: log.path,
        signal: o.signal,
      });
    } finally {
      if (poll) clearInterval(poll);
    }
    ran = true;
    if (o.onLogLines) emitLines(o, log, true);
    const text = log.contents();
    if (o.signal?.aborted) throw new BuildError('E_BUILD_FAILED', `build of '${printed}' was interrupted`, { storePath: printed });
    if (result.exitCode !== 0) {
      // A log that cannot be compressed (disk full) must not hide why the build failed.
      await store.finishBuildLog(o.drvPath, text).catch(() => {});
      throw buildFailure(printed, result.exitCode, result.signal, text, o.logLines);
    }
    // Complete (plain or compressed) before the outputs become valid.
    await store.finishBuildLog(o.drvPath, text);

    const newPaths = await processOutputs({
      store,
      drvPath: o.drvPath,
      drv,
      outputPaths: o.outputPaths,
      closure,
      actualDir,
      policy: o.policy,
      check: o.check,
      repair: o.repair,
      alreadyValid,
    });
    if (o.check) return 'checked';
    const recorded = [...o.outputPaths].filter(([, p]) => !alreadyValid.has(p.baseName));
    await store.addBuiltPaths(newPaths, recorded.map(([output, path]) => ({ drv: o.drvPath, output, path })));
    if (o.sandbox.kind === 'bwrap') {
      keepStoreView(store.realStoreDir, hostStoreDir, inputs);
      hostStoreDir = undefined;
    }
    return 'built';
  } finally {
    log.close();
    // Off the critical path: the next build of a chain need not wait for the unlinking.
    // Only a top whose builder ran and exited by itself may be reused: bwrap's exit then
    // means every process of the sandbox is gone (nothing writes to its build dir any more).
    releaseBuildTop(top, reusable && ran && !o.signal?.aborted);
    if (hostStoreDir) removeTreeLater(hostStoreDir);
  }
}

function emitLines(o: RealiseOneOptions, log: BuildLog, flush: boolean): void {
  const lines = log.newLines(flush);
  if (lines.length > 0) o.onLogLines!(lines);
}

/** True for a fixed-output derivation (it alone may use the network). */
export function isFixedOutput(drv: Derivation): boolean {
  for (const out of drv.outputs.values()) if (out.type === 'caFixed') return true;
  return false;
}

/**
 * The builder must be visible in the sandbox: a store path of the input closure, or a
 * `sandbox-paths` entry. Nix only finds out when exec fails; saying why up front is kinder.
 */
function checkBuilder(o: RealiseOneOptions, builder: string, inputs: ReadonlyMap<string, string>, printed: string): void {
  if (o.sandbox.kind !== 'bwrap') return;
  const dir = o.store.storeDir.dir + '/';
  if (builder.startsWith(dir)) {
    const base = builder.slice(dir.length).split('/')[0]!;
    if (inputs.has(base)) return;
    throw new BuildError(
      'E_BUILDER_MISSING',
      `builder '${builder}' of '${printed}' is not in the input closure of the derivation, so the sandbox cannot run it`,
      { storePath: printed },
    );
  }
  for (const p of o.sandboxPaths) if (builder === p.target || builder.startsWith(p.target.replace(/\/?$/, '/'))) return;
  throw new BuildError(
    'E_BUILDER_MISSING',
    `builder '${builder}' of '${printed}' does not exist in the sandbox; make it available with 'sandbox-paths'`,
    { storePath: printed },
  );
}

/** Nix: `builder for '…' failed with exit code N;\nlast N log lines:\n> …`. */
function buildFailure(printed: string, exitCode: number | null, signal: string | null, log: Uint8Array, logLines: number): BuildError {
  let msg = `builder for '${printed}' ${describeExit(exitCode, signal)}`;
  const tail = logTail(log, logLines);
  if (tail.length > 0) {
    msg += `;\nlast ${tail.length} log lines:\n${tail.map((l) => `> ${l}\n`).join('')}`;
    msg += `For full logs, run 'tix log ${printed}'.`;
  }
  return new BuildError('E_BUILD_FAILED', msg, { storePath: printed });
}
