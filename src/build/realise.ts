/**
 * Realising derivations: make their outputs valid by substituting or building, and report
 * progress as events. Nix: `Worker` with `DerivationGoal`s and `SubstitutionGoal`s, as
 * `nix-store --realise` / `nix-build` drive it.
 *
 * Planning walks the graph from the targets breadth-first, one batch of store and
 * substituter queries per level:
 *   - outputs already valid: nothing to do (their inputs are not even looked at);
 *   - otherwise, when every missing output is offered by a trusted substituter, substitute
 *     them (and whatever they refer to that is missing);
 *   - otherwise build the derivation: its input derivations' outputs and its input sources
 *     are needed first.
 * Then the scheduler runs the substitutions and builds in dependency order. A substitution
 * that fails tries the later substituters offering the same NAR; with `fallback` (Nix's
 * `--fallback`), derivations whose outputs still could not be substituted are then planned
 * again and built locally (a second round; what the first made valid stays valid).
 */

import type { Derivation } from '../store/drv/derivation.ts';
import { derivationOutputPaths } from '../store/drv/output-paths.ts';
import type { StorePath } from '../store/store-path.ts';
import { findSubstitutes, substitutePath, type Substitute, type SubstituteFallback } from '../substitute/substitute.ts';
import type { Substituter } from '../substitute/substituter.ts';
import type { TrustPolicy } from '../trust/verdict.ts';
import type { BuildStore } from './build-store.ts';
import { DEFAULT_LOG_LINES } from './constants.ts';
import { BuildError, buildExitStatus } from './errors.ts';
import { EventQueue, type Progress, type RealiseEvent, type RealisePlan, type TargetResult } from './events.ts';
import type { OutputPolicy } from './outputs.ts';
import { realiseOne } from './realise-one.ts';
import { settleRemovals } from './remove-tree.ts';
import { dropStoreViews } from './store-views.ts';
import type { Sandbox, SandboxPath } from './sandbox.ts';
import { type Job, type JobOutcome, runJobs } from './scheduler.ts';

/**
 * A derivation to realise (some or all of its outputs), or any other store path, which is
 * made valid by substitution (`nix-store --realise` takes both).
 */
export interface RealiseTarget {
  readonly drvPath: StorePath;
  /** Outputs wanted (default: all). Ignored for a path that is not a derivation. */
  readonly outputs?: readonly string[];
  /** Make the path itself valid, even a `.drv` (substituted, never built: `tix copy --from`). */
  readonly opaque?: boolean;
}

/** A target that is made valid as a path, not realised as a derivation. */
const isOpaque = (t: RealiseTarget): boolean => t.opaque === true || !t.drvPath.isDerivation;

export interface RealiseOptions {
  readonly store: BuildStore;
  readonly sandbox: Sandbox;
  readonly substituters?: readonly Substituter[];
  /** How substitutes are trusted (`trusted-public-keys`, `require-sigs`). */
  readonly trust: TrustPolicy;
  readonly maxJobs: number;
  readonly maxSubstitutionJobs?: number;
  /** Build a derivation locally when substituting its outputs failed (`fallback`). */
  readonly fallback?: boolean;
  readonly keepGoing?: boolean;
  /** Rebuild the targets (not their dependencies) and compare (`--check`). */
  readonly check?: boolean;
  /** With `check`: put each rebuilt output that matches its registration in place of its files (`verify --repair`). */
  readonly repair?: boolean;
  /** Plan only (`--dry-run`). */
  readonly dryRun?: boolean;
  /** `NIX_BUILD_CORES`. */
  readonly cores: number;
  /** `build-dir`: where build directories are made (default: the temp dir). */
  readonly buildDir?: string;
  readonly sandboxPaths: readonly SandboxPath[];
  readonly logLines?: number;
  /** This machine's system (`x86_64-linux`) and `extra-platforms`. */
  readonly system: string;
  readonly extraPlatforms?: readonly string[];
  readonly policy?: OutputPolicy;
  /** Emit `build-log` events while builders run. */
  readonly streamLogs?: boolean;
  readonly hostEnv?: (name: string) => string | undefined;
  readonly signal?: AbortSignal;
}

const NO_SIGNATURES: OutputPolicy = { sign: () => [] };

/** Realise `targets`; the last event is `done` (planning errors end the stream with an error). */
export function realise(targets: readonly RealiseTarget[], options: RealiseOptions): AsyncIterable<RealiseEvent> {
  const q = new EventQueue<RealiseEvent>();
  new Realisation(options, q).run(targets).then(
    () => q.end(),
    (e: unknown) => {
      dropStoreViews();
      return settleRemovals().then(() => q.end(e));
    },
  );
  return q;
}

interface DrvNode {
  readonly path: StorePath;
  readonly drv: Derivation;
  readonly outputPaths: ReadonlyMap<string, StorePath>;
  /** Outputs somebody asked for. */
  readonly wanted: Set<string>;
  build: boolean;
  check: boolean;
}

class Realisation {
  readonly #o: RealiseOptions;
  readonly #q: EventQueue<RealiseEvent>;
  readonly #drvs = new Map<string, DrvNode>();
  /** Opaque paths known valid. */
  readonly #valid = new Set<string>();
  /** Paths to substitute, by base name. */
  readonly #subs = new Map<string, Substitute>();
  /** Outputs whose substitution failed: the fallback round builds their derivations. */
  readonly #noSubstitute = new Set<string>();
  /** References of valid paths looked up by builds of this run (they never change while valid). */
  readonly #references = new Map<string, readonly StorePath[]>();
  #progress: { -readonly [K in keyof Progress]: Progress[K] } = { built: 0, building: 0, substituted: 0, substituting: 0, failed: 0, total: 0 };

  constructor(o: RealiseOptions, q: EventQueue<RealiseEvent>) {
    this.#o = o;
    this.#q = q;
  }

  async run(targets: readonly RealiseTarget[]): Promise<void> {
    let outcomes = await this.#round(targets);
    const failedOutputs = this.#failedOutputSubstitutions(outcomes);
    if (this.#o.fallback && failedOutputs.length > 0 && !this.#o.signal?.aborted) {
      // Plan again from the targets: what the first round made valid is skipped, and the
      // derivations of the outputs that failed to substitute are built.
      for (const p of failedOutputs) this.#noSubstitute.add(p);
      this.#drvs.clear();
      this.#subs.clear();
      this.#progress = { built: 0, building: 0, substituted: 0, substituting: 0, failed: 0, total: 0 };
      outcomes = await this.#round(targets);
    } else {
      for (const node of this.#drvs.values()) {
        if (![...node.outputPaths.values()].some((p) => failedOutputs.includes(p.baseName))) continue;
        // Nix's wording (DerivationGoal::outputsSubstitutionTried).
        this.#q.push({ type: 'warning', message: `some substitutes for the outputs of derivation '${this.#print(node.path)}' failed (usually happens due to networking issues); try '--fallback' to build derivation from source` });
      }
    }
    this.#q.push({ type: 'done', result: this.#result(targets, outcomes) });
  }

  /** Plan, announce the plan, run the jobs. */
  async #round(targets: readonly RealiseTarget[]): Promise<Map<string, JobOutcome>> {
    await this.#plan(targets);
    const builds = [...this.#drvs.values()].filter((n) => n.build);
    const plan: RealisePlan = {
      toBuild: builds.map((n) => n.path),
      toSubstitute: [...this.#subs.values()].map((s) => s.info.path),
      downloadSize: sum([...this.#subs.values()].map((s) => s.info.downloadSize ?? 0)),
      narSize: sum([...this.#subs.values()].map((s) => s.info.narSize)),
    };
    this.#q.push({ type: 'plan', plan });
    this.#progress.total = builds.length + this.#subs.size;
    let outcomes = new Map<string, JobOutcome>();
    if (!this.#o.dryRun) {
      outcomes = await runJobs(this.#jobs(builds), {
        maxJobs: this.#o.maxJobs,
        maxSubstitutionJobs: this.#o.maxSubstitutionJobs,
        keepGoing: this.#o.keepGoing ?? false,
        signal: this.#o.signal,
        onJob: (id, ev) => this.#onJob(id, ev),
      });
    }
    // Builds remove their trees in the background; none may outlive the run.
    dropStoreViews();
    await settleRemovals();
    return outcomes;
  }

  /** Base names of derivation outputs whose substitution job failed. */
  #failedOutputSubstitutions(outcomes: ReadonlyMap<string, JobOutcome>): string[] {
    const outputs = new Set([...this.#drvs.values()].flatMap((n) => [...n.outputPaths.values()].map((p) => p.baseName)));
    return [...outcomes].filter(([id, o]) => id.startsWith('s:') && o.status === 'failed' && outputs.has(id.slice(2))).map(([id]) => id.slice(2));
  }

  // ---- planning ----------------------------------------------------------------------

  async #plan(targets: readonly RealiseTarget[]): Promise<void> {
    await this.#ensurePaths(targets.filter(isOpaque).map((t) => t.drvPath));
    let frontier = targets.filter((t) => !isOpaque(t)).map((t) => ({ path: t.drvPath, outputs: t.outputs, top: true }));
    while (frontier.length > 0) {
      const nodes = await this.#loadDrvs(frontier.map((f) => f.path));
      // The outputs each derivation is newly wanted for.
      const fresh: { node: DrvNode; outputs: string[] }[] = [];
      for (const f of frontier) {
        const node = nodes.get(f.path.baseName)!;
        const names = f.outputs ?? [...node.drv.outputs.keys()];
        for (const n of names) {
          if (!node.drv.outputs.has(n)) throw new BuildError('E_BAD_DERIVATION', `derivation '${this.#print(node.path)}' does not have an output named '${n}'`);
        }
        if (f.top && this.#o.check && !node.check) {
          node.check = true;
          fresh.push({ node, outputs: [...node.drv.outputs.keys()] });
        }
        const added = names.filter((n) => !node.wanted.has(n));
        for (const n of added) node.wanted.add(n);
        if (added.length > 0 && !node.build && !node.check) fresh.push({ node, outputs: added });
      }
      const next: typeof frontier = [];
      const srcs: StorePath[] = [];
      for (const node of await this.#decideDrvs(fresh)) {
        for (const input of node.drv.inputDrvs) next.push({ path: input.path, outputs: input.outputs, top: false });
        srcs.push(...node.drv.inputSrcs);
      }
      await this.#ensurePaths(srcs);
      frontier = next;
    }
  }

  async #loadDrvs(paths: readonly StorePath[]): Promise<Map<string, DrvNode>> {
    const { store } = this.#o;
    const todo = [...new Map(paths.filter((p) => !this.#drvs.has(p.baseName)).map((p) => [p.baseName, p])).values()];
    if (todo.length > 0) {
      const valid = new Set((await store.queryValidPaths(todo)).map((p) => p.baseName));
      const missing = todo.filter((p) => !valid.has(p.baseName));
      if (missing.length > 0) await this.#fetchDerivations(missing);
      const drvs = await Promise.all(todo.map((p) => store.readDerivation(p)));
      todo.forEach((p, i) => {
        const drv = drvs[i]!;
        const outputPaths = new Map<string, StorePath>();
        for (const [name, out] of derivationOutputPaths(drv, store.storeDir)) {
          if (!out) {
            throw new BuildError('E_BAD_DERIVATION', `derivation '${this.#print(p)}' has content-addressed or deferred outputs, which tix cannot build yet`, {
              storePath: this.#print(p),
            });
          }
          outputPaths.set(name, out);
        }
        this.#drvs.set(p.baseName, { path: p, drv, outputPaths, wanted: new Set(), build: false, check: false });
      });
    }
    return new Map(paths.map((p) => [p.baseName, this.#drvs.get(p.baseName)!]));
  }

  /**
   * A `.drv` that is not valid here is fetched from the substituters right away (with its
   * closure), since planning needs to read it. Nix does the same (a substitution goal for
   * the derivation before the derivation goal goes on).
   */
  async #fetchDerivations(drvPaths: readonly StorePath[]): Promise<void> {
    const notValid = (cause?: unknown) => {
      const p = this.#print(drvPaths[0]!);
      return new BuildError('E_BAD_DERIVATION', `path '${p}' is not valid`, { storePath: p, cause });
    };
    if (this.#o.dryRun) throw notValid();
    await this.#ensurePaths(drvPaths).catch((e: unknown) => {
      throw e instanceof BuildError && e.code === 'E_BAD_DERIVATION' ? notValid(e) : e;
    });
    // Substitute them now, references first; they are then valid, not jobs.
    const done = new Set<string>();
    const run = async (p: StorePath): Promise<void> => {
      const s = this.#subs.get(p.baseName);
      if (!s || done.has(p.baseName)) return;
      done.add(p.baseName);
      for (const r of s.info.references) if (!r.equals(p)) await run(r);
      this.#q.push({ type: 'substitute-started', path: p, from: s.substituter.uri });
      await substitutePath(this.#o.store, s, this.#o.signal, this.#fallback);
      this.#q.push({ type: 'substitute-succeeded', path: p });
      this.#subs.delete(p.baseName);
      this.#valid.add(p.baseName);
    };
    for (const p of drvPaths) await run(p);
  }

  /** Decide valid / substitute / build for newly wanted outputs; returns the nodes that now need building. */
  async #decideDrvs(items: readonly { node: DrvNode; outputs: string[] }[]): Promise<DrvNode[]> {
    const { store } = this.#o;
    const all = items.flatMap(({ node, outputs }) => outputs.map((o) => node.outputPaths.get(o)!));
    const valid = new Set((await store.queryValidPaths(all)).map((p) => p.baseName));
    const missing = items.flatMap(({ node, outputs }) =>
      node.check || !substitutesAllowed(node.drv) || outputs.some((o) => this.#noSubstitute.has(node.outputPaths.get(o)!.baseName))
        ? []
        : outputs.map((o) => node.outputPaths.get(o)!).filter((p) => !valid.has(p.baseName)),
    );
    const offers = await this.#offers(missing);
    const toBuild: DrvNode[] = [];
    const substituted: StorePath[] = [];
    for (const { node, outputs } of items) {
      const paths = outputs.map((o) => node.outputPaths.get(o)!);
      for (const p of paths) if (valid.has(p.baseName)) this.#valid.add(p.baseName);
      const need = paths.filter((p) => !valid.has(p.baseName));
      if (node.check || (need.length > 0 && !need.every((p) => offers.has(p.baseName)))) {
        if (!node.build) toBuild.push(node);
        node.build = true;
      } else {
        for (const p of need) {
          this.#subs.set(p.baseName, offers.get(p.baseName)!);
          substituted.push(p);
        }
      }
    }
    // What substituted outputs refer to must be there too.
    const refs = substituted.flatMap((p) => this.#subs.get(p.baseName)!.info.references.filter((r) => !r.equals(p)));
    await this.#ensurePaths(refs);
    return toBuild;
  }

  /** Opaque paths (input sources, references of substitutes) must be valid or substitutable. */
  async #ensurePaths(paths: readonly StorePath[]): Promise<Substitute[]> {
    const todo = [...new Map(paths.filter((p) => !this.#valid.has(p.baseName) && !this.#subs.has(p.baseName)).map((p) => [p.baseName, p])).values()];
    if (todo.length === 0) return [];
    const valid = new Set((await this.#o.store.queryValidPaths(todo)).map((p) => p.baseName));
    for (const b of valid) this.#valid.add(b);
    const missing = todo.filter((p) => !valid.has(p.baseName));
    const offers = await this.#offers(missing);
    const added: Substitute[] = [];
    for (const p of missing) {
      const s = offers.get(p.baseName);
      if (!s) throw new BuildError('E_BAD_DERIVATION', `path '${this.#print(p)}' is required, but there is no substituter that can build it`, { storePath: this.#print(p) });
      this.#subs.set(p.baseName, s);
      added.push(s);
    }
    // Their references, recursively (the closure invariant).
    await this.#ensurePaths(added.flatMap((s) => s.info.references.filter((r) => !r.equals(s.info.path))));
    return added;
  }

  /** The other substituters a failed substitution tries. */
  get #fallback(): SubstituteFallback {
    return { substituters: this.#o.substituters ?? [], policy: this.#o.trust, warn: (message) => this.#q.push({ type: 'warning', message }) };
  }

  async #offers(paths: readonly StorePath[]): Promise<Map<string, Substitute>> {
    const subs = this.#o.substituters ?? [];
    if (paths.length === 0 || subs.length === 0) return new Map();
    return findSubstitutes(subs, paths, this.#o.trust, (message) => this.#q.push({ type: 'warning', message }), this.#o.signal);
  }

  // ---- running -----------------------------------------------------------------------

  #jobs(builds: readonly DrvNode[]): Job[] {
    const jobs: Job[] = [];
    for (const s of this.#subs.values()) {
      jobs.push({
        id: `s:${s.info.path.baseName}`,
        kind: 'substitute',
        deps: s.info.references.filter((r) => !r.equals(s.info.path)).map((r) => `s:${r.baseName}`),
        run: (signal) => substitutePath(this.#o.store, s, signal, this.#fallback),
      });
    }
    for (const node of builds) {
      const deps: string[] = [];
      const inputPaths: StorePath[] = [...node.drv.inputSrcs];
      for (const p of node.drv.inputSrcs) deps.push(`s:${p.baseName}`);
      for (const input of node.drv.inputDrvs) {
        const dep = this.#drvs.get(input.path.baseName)!;
        if (dep.build) deps.push(`b:${dep.path.baseName}`);
        for (const o of input.outputs) {
          const p = dep.outputPaths.get(o)!;
          inputPaths.push(p);
          deps.push(`s:${p.baseName}`);
        }
      }
      jobs.push({ id: `b:${node.path.baseName}`, kind: 'build', deps, run: (signal) => this.#build(node, inputPaths, signal) });
    }
    return jobs;
  }

  async #build(node: DrvNode, inputPaths: StorePath[], signal: AbortSignal): Promise<void> {
    const o = this.#o;
    const { drv } = node;
    if (drv.system !== o.system && !(o.extraPlatforms ?? []).includes(drv.system) && !drv.builder.startsWith('builtin:')) {
      throw new BuildError(
        'E_SYSTEM_MISMATCH',
        `a '${drv.system}' with features {} is required to build '${this.#print(node.path)}', but I am a '${o.system}' with features {}`,
        { storePath: this.#print(node.path) },
      );
    }
    const result = await realiseOne({
      store: o.store,
      sandbox: o.sandbox,
      drvPath: node.path,
      drv,
      outputPaths: node.outputPaths,
      inputPaths,
      knownReferences: this.#references,
      check: node.check,
      repair: node.check && o.repair === true,
      cores: o.cores,
      buildDir: o.buildDir,
      sandboxPaths: o.sandboxPaths,
      logLines: o.logLines ?? DEFAULT_LOG_LINES,
      policy: o.policy ?? NO_SIGNATURES,
      hostEnv: o.hostEnv,
      onLogLines: o.streamLogs ? (lines) => this.#q.push({ type: 'build-log', drvPath: node.path, lines }) : undefined,
      signal,
    });
    this.#q.push({ type: 'build-succeeded', drvPath: node.path, fresh: result !== 'already-valid', checked: result === 'checked' });
  }

  #onJob(id: string, ev: 'started' | JobOutcome): void {
    const base = id.slice(2);
    const isBuild = id.startsWith('b:');
    const p = this.#progress;
    if (ev === 'started') {
      if (isBuild) {
        p.building++;
        this.#q.push({ type: 'build-started', drvPath: this.#drvs.get(base)!.path });
      } else {
        p.substituting++;
        const s = this.#subs.get(base)!;
        this.#q.push({ type: 'substitute-started', path: s.info.path, from: s.substituter.uri });
      }
    } else {
      if (ev.status === 'cancelled' || ev.status === 'dependency-failed') {
        if (ev.status === 'dependency-failed') p.failed++;
        this.#q.push({ type: 'progress', progress: { ...p } });
        return;
      }
      if (isBuild) p.building--;
      else p.substituting--;
      if (ev.status === 'succeeded') {
        if (isBuild) p.built++;
        else {
          p.substituted++;
          this.#q.push({ type: 'substitute-succeeded', path: this.#subs.get(base)!.info.path });
        }
      } else {
        p.failed++;
        if (isBuild) this.#q.push({ type: 'build-failed', drvPath: this.#drvs.get(base)!.path, error: ev.error });
        else this.#q.push({ type: 'substitute-failed', path: this.#subs.get(base)!.info.path, error: ev.error });
      }
    }
    this.#q.push({ type: 'progress', progress: { ...p } });
  }

  #result(targets: readonly RealiseTarget[], outcomes: ReadonlyMap<string, JobOutcome>) {
    const errors: unknown[] = [];
    for (const o of outcomes.values()) if (o.status === 'failed') errors.push(o.error);
    const failedIds = new Set([...outcomes].filter(([, o]) => o.status !== 'succeeded').map(([id]) => id));
    const res: TargetResult[] = targets.map((t) => {
      if (isOpaque(t)) {
        const ok = !this.#o.dryRun && !failedIds.has(`s:${t.drvPath.baseName}`);
        return { drvPath: t.drvPath, outputs: new Map([['', t.drvPath]]), ok };
      }
      const node = this.#drvs.get(t.drvPath.baseName)!;
      const names = t.outputs ?? [...node.drv.outputs.keys()];
      const outputs = new Map(names.map((n) => [n, node.outputPaths.get(n)!]));
      const ok = !this.#o.dryRun && !failedIds.has(`b:${node.path.baseName}`) && [...outputs.values()].every((p) => !failedIds.has(`s:${p.baseName}`));
      return { drvPath: t.drvPath, outputs, ok };
    });
    const codes = errors.map((e) => (e as { code?: string }).code ?? 'E_UNKNOWN');
    if (res.some((r) => !r.ok) && codes.length === 0 && !this.#o.dryRun) codes.push('E_BUILD_FAILED');
    return { targets: res, errors, exitStatus: buildExitStatus(codes) };
  }

  #print(p: StorePath): string {
    return this.#o.store.storeDir.printPath(p);
  }
}

/** `allowSubstitutes = false` (an empty string in the environment) builds locally. Nix: `substitutesAllowed`. */
function substitutesAllowed(drv: Derivation): boolean {
  const v = drv.env.get('allowSubstitutes');
  return v === undefined || v === '1';
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
