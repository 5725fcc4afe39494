/**
 * Builds in tests: a throw-away tix store, small derivations written into it (busybox `sh`
 * builders, so they run in the sandbox with nothing else), and `realise` with the settings
 * a user would have, collecting the events. No Nix needed.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicaliseOutput } from '../../src/build/canonicalise.ts';
import { type BuildSettings, type LocalBuildStore, openBuildSession, openLocalBuildStore, realise, type RealiseEvent, type RealiseResult } from '../../src/build/index.ts';
import type { RealiseOptions, RealiseTarget } from '../../src/build/realise.ts';
import { type Hash, hashBytes } from '../../src/hash/index.ts';
import {
  type Derivation,
  type DerivationOutput,
  derivationReferences,
  derivationStorePath,
  fillInOutputPaths,
  makeDrvHashLookup,
  type StorePath,
  unparseDerivation,
} from '../../src/store/index.ts';
import { hashPath } from '../../src/store/local/index.ts';

export const BUSYBOX = '/bin/busybox';
/** Skip reason when the machine cannot run sandboxed busybox builds. */
export const BUILD_SKIP = existsSync(BUSYBOX) ? false : 'busybox-static is not installed (apt-get install busybox-static)';

/** The settings of a test build: Nix's defaults, a busybox /bin/sh, no substituters. */
export function testSettings(overrides: Partial<BuildSettings> = {}): BuildSettings {
  return {
    sandbox: 'true',
    sandboxPaths: [`/bin/sh=${BUSYBOX}`],
    sandboxFallback: false,
    buildDir: undefined,
    maxJobs: 2,
    cores: 2,
    keepGoing: false,
    logLines: 25,
    system: 'x86_64-linux',
    extraPlatforms: [],
    substitute: true,
    substituters: [],
    trustedPublicKeys: [],
    requireSigs: true,
    secretKeyFiles: [],
    maxSubstitutionJobs: 16,
    ...overrides,
  };
}

/** A derivation made by `TestStore.add`: its `.drv` path and output paths (absolute). */
export interface DrvRef {
  readonly drvPath: StorePath;
  readonly drv: Derivation;
  readonly out: Record<string, string>;
}

export interface DrvSpec {
  readonly name: string;
  /** Shell script run by busybox sh (`-c`). */
  readonly script: string;
  /** Derivations whose outputs the builder uses (default output `out`). */
  readonly deps?: readonly (DrvRef | { ref: DrvRef; outputs: string[] })[];
  readonly outputs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A fixed-output derivation: the expected hash of `out`. */
  readonly fixed?: { readonly method: 'flat' | 'nar'; readonly hash: Hash };
  readonly builder?: string;
  readonly system?: string;
}

export class TestStore {
  readonly root: string;
  readonly store: LocalBuildStore;
  readonly #drvs = new Map<string, Derivation>();

  private constructor(root: string, store: LocalBuildStore) {
    this.root = root;
    this.store = store;
  }

  static async open(root = mkdtempSync(join(tmpdir(), 'tix-build-test-'))): Promise<TestStore> {
    return new TestStore(root, await openLocalBuildStore({ store: root }));
  }

  /** Another handle on a store some other process made (it can realise, not `add`). */
  static openExisting(root: string): Promise<TestStore> {
    return TestStore.open(root);
  }

  /** Write a derivation into the store (as the evaluator would) and return its paths. */
  async add(spec: DrvSpec): Promise<DrvRef> {
    const { storeDir } = this.store;
    const outputNames = spec.fixed ? ['out'] : (spec.outputs ?? ['out']);
    const outputs = new Map<string, DerivationOutput>(
      outputNames.map((o) => [o, spec.fixed ? { type: 'caFixed', method: spec.fixed.method, hash: spec.fixed.hash } : { type: 'deferred' }]),
    );
    const env = new Map<string, string>([
      ['builder', spec.builder ?? '/bin/sh'],
      ['name', spec.name],
      ['system', spec.system ?? 'x86_64-linux'],
      ...(spec.outputs ? [['outputs', outputNames.join(' ')] as [string, string]] : []),
      ...Object.entries(spec.env ?? {}),
    ]);
    if (spec.fixed) {
      env.set('outputHash', spec.fixed.hash.toString('nix32', false));
      env.set('outputHashAlgo', spec.fixed.hash.algo);
      env.set('outputHashMode', spec.fixed.method === 'nar' ? 'recursive' : 'flat');
    }
    const inputDrvs = (spec.deps ?? []).map((d) => ('ref' in d ? { path: d.ref.drvPath, outputs: d.outputs } : { path: d.drvPath, outputs: ['out'] }));
    const draft: Derivation = {
      name: spec.name,
      outputs,
      inputDrvs,
      inputSrcs: [],
      system: spec.system ?? 'x86_64-linux',
      builder: spec.builder ?? '/bin/sh',
      args: ['-c', spec.script],
      env,
    };
    const lookup = makeDrvHashLookup((p) => this.#drvs.get(p.baseName)!, storeDir);
    const drv = fillInOutputPaths(draft, lookup, storeDir);
    const drvPath = derivationStorePath(drv, storeDir);
    this.#drvs.set(drvPath.baseName, drv);
    await this.writeText(drvPath, unparseDerivation(drv, storeDir), derivationReferences(drv));
    const out: Record<string, string> = {};
    for (const name of outputNames) out[name] = drv.env.get(name)!;
    return { drvPath, drv, out };
  }

  /** Add a text file (byte string) as a valid store path with a `text:` content address. */
  async writeText(path: StorePath, text: string, references: readonly StorePath[]): Promise<void> {
    const bytes = Buffer.from(text, 'latin1');
    const dir = this.store.makeTempTree('test-text');
    const file = join(dir, path.baseName);
    writeFileSync(file, bytes);
    canonicaliseOutput(file);
    const h = await hashPath(file);
    const refs = [...references].sort((a, b) => (a.baseName < b.baseName ? -1 : 1));
    await this.store.addBuiltPaths([{ tree: file, info: { path, narHash: h.hash, narSize: h.narSize, references: refs, sigs: [], ca: { method: 'text', hash: hashBytes('sha256', bytes) } } }], []);
    rmSync(dir, { recursive: true, force: true });
  }

  /** Realise with test settings; returns every event and the result. */
  async realise(
    targets: readonly (DrvRef | RealiseTarget)[],
    settings: Partial<BuildSettings> = {},
    extra: Partial<RealiseOptions> = {},
    onEvent?: (e: RealiseEvent) => void,
  ): Promise<{ events: RealiseEvent[]; result: RealiseResult; warnings: string[] }> {
    const warnings: string[] = [];
    const session = await openBuildSession(testSettings(settings), this.store, { warn: (m) => warnings.push(m), cpuCount: 2 });
    const events: RealiseEvent[] = [];
    let result: RealiseResult | undefined;
    for await (const ev of realise(targets.map((t) => ('drvPath' in t && 'out' in t ? { drvPath: t.drvPath } : (t as RealiseTarget))), { ...session, ...extra })) {
      events.push(ev);
      onEvent?.(ev);
      if (ev.type === 'done') result = ev.result;
      if (ev.type === 'warning') warnings.push(ev.message);
    }
    return { events, result: result!, warnings };
  }

  /** The physical path of a logical store path. */
  real(path: string): string {
    return this.store.realStoreDir + path.slice(this.store.storeDir.dir.length);
  }

  async close(): Promise<void> {
    await this.store.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Base names of the derivations whose builder really ran, per build-succeeded event. */
export function freshBuilds(events: readonly RealiseEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'build-succeeded' && e.fresh ? [e.drvPath.name] : []));
}
