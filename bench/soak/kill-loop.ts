/**
 * SIGKILL soak (issue 6, Faults): start a `tix` process doing one of {store add of a
 * generated tree, build of a small derivation graph, store gc, store delete, substitution
 * of a generated path from an HTTP binary cache}, kill it with SIGKILL after a random
 * delay within that phase's typical runtime, then check:
 *
 * - opening the store clears the dead process's temporaries (`.tix-tmp` is empty);
 * - `verify --all --check-contents` finds no problem (checked in this process through the
 *   same `LocalStore.verify` the CLI runs; the `tix store verify` command itself every
 *   `cliVerifyEvery` iterations and at the end);
 * - everything in the store directory is registered valid (no orphan half-added path);
 * - the interrupted work completes on retry: the add prints the same path, the build
 *   gives the expected output, gc leaves no dead path, the deleted path is gone, the
 *   substituted path is valid; after a build retry no tree of the dead process is left in
 *   `.tix-builds`, after a substitution retry none in the temp area `.tix-tmp`.
 *
 * The substitution phase (`tix realise PATH` with `substituters = http://…?trusted=1`)
 * fetches a ~1.1 MiB NAR from a loopback cache in a child process
 * (tests/support/http-cache-faults.ts, 16 KiB pieces 20 ms apart, so many kills land while
 * the NAR is on the wire); each iteration adds a new tree to a source store and writes it
 * into the cache first.
 *
 *   node bench/soak/kill-loop.ts [--iterations N] [--seconds S] [--seed N] [--phases a,b] [--keep]
 *   npm run soak:kill -- --iterations 200
 *
 * `runKillLoop()` is also the engine of tests/integration/store/kill-loop.test.ts.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteTree } from '../../src/store/local/canonicalise.ts';
import { LocalStore, storeLayout } from '../../src/store/local/index.ts';
import { writeBinaryCache } from '../../src/substitute/index.ts';
import { prng } from '../support/bench.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodeBin = join(repoRoot, 'node_modules', '.bin', 'node');
const tixMain = join(repoRoot, 'cli', 'main.ts');

export const PHASES = ['add', 'build', 'gc', 'delete', 'substitute'] as const;
export type Phase = (typeof PHASES)[number];

export interface KillLoopOptions {
  readonly iterations: number;
  /** Stop starting new iterations after this many seconds. */
  readonly seconds?: number;
  readonly seed?: number;
  /** Run `tix store verify --all --check-contents` as a command every N iterations. */
  readonly cliVerifyEvery?: number;
  readonly log?: (line: string) => void;
  /** Typical runtimes to spread the kills over; a phase not given is timed by one run first. */
  readonly typicalMs?: Partial<Record<Phase, number>>;
  /** Only these phases (default: all). */
  readonly phases?: readonly Phase[];
  /** Take the phases in turn instead of at random (a short run then covers all five). */
  readonly roundRobin?: boolean;
  /** Keep the work directory (for a post-mortem). */
  readonly keep?: boolean;
}

export interface KillLoopResult {
  iterations: number;
  /** Per phase: runs, kills that landed before the process exited, runs that finished first. */
  phases: Record<Phase, { runs: number; killed: number; finished: number; typicalMs: number }>;
  failures: string[];
  cliVerifies: number;
  /** Invalid files a killed gc/delete left in the store dir (removed by the retry's gc). */
  invalidLeftovers: number;
  /** Substitutions killed while their NAR was being restored (a half-restored tree was left). */
  killedMidImport: number;
  seconds: number;
  workDir: string;
}

interface Run {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function tixSync(env: NodeJS.ProcessEnv, args: string[]): Run {
  const r = spawnSync(nodeBin, ['--no-warnings', tixMain, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Start tix, kill it after `delayMs` unless it exits first. */
async function tixKilled(env: NodeJS.ProcessEnv, args: string[], delayMs: number): Promise<Run & { ms: number }> {
  const t0 = performance.now();
  const proc = spawn(nodeBin, ['--no-warnings', tixMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<[number | null, string | null]>((r) => proc.on('exit', (c, s) => r([c, s])));
  const timer = setTimeout(() => proc.kill('SIGKILL'), delayMs);
  const [status, signal] = await exited;
  clearTimeout(timer);
  return { status, signal, stdout, stderr, ms: performance.now() - t0 };
}

/** A source tree of ~150 files and a 1 MiB file whose contents depend on `seed`. */
function makeTree(parent: string, seed: number): string {
  const root = join(parent, `tree-${seed}`);
  for (let d = 0; d < 5; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < 30; f++) writeFileSync(join(root, `d${d}`, `f${f}`), `tree ${seed} file ${d}/${f}\n`.repeat(16));
  }
  writeFileSync(join(root, 'large'), Buffer.alloc(1 << 20, seed & 0xff));
  return root;
}

/** A three-derivation graph (a, b <- a, c <- a b) with busybox /bin/sh; `nonce` makes it new. */
function buildExpr(nonce: string): string {
  const mk = (name: string, script: string) =>
    `derivation { name = "${name}"; system = builtins.currentSystem; builder = "/bin/sh"; nonce = "${nonce}"; args = [ "-c" ${JSON.stringify(script)} ]; }`;
  return `let a = ${mk('soak-a', 'echo a > $out')};
  b = ${mk('soak-b', 'mkdir $out; cat ${a} > $out/a; echo b > $out/b')};
  in ${mk('soak-c', 'mkdir $out; cat ${a} ${b}/b > $out/ab; echo c > $out/c')}`;
}

export async function runKillLoop(opts: KillLoopOptions): Promise<KillLoopResult> {
  const log = opts.log ?? (() => undefined);
  const rand = prng(opts.seed ?? 1);
  const t0 = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'tix-soak-'));
  const root = join(work, 'store');
  const conf = join(work, 'tix.conf');
  writeFileSync(conf, '');
  // No tix node of the user's may join in as a substituter.
  const env = { ...process.env, TIX_CONF: conf, XDG_CONFIG_HOME: '/nonexistent', TIX_STATE_DIR: join(work, 'no-node') };
  const S = ['--store', root];
  const layout = storeLayout(root);
  const result: KillLoopResult = {
    iterations: 0,
    phases: Object.fromEntries(PHASES.map((p) => [p, { runs: 0, killed: 0, finished: 0, typicalMs: 0 }])) as KillLoopResult['phases'],
    failures: [],
    cliVerifies: 0,
    invalidLeftovers: 0,
    killedMidImport: 0,
    seconds: 0,
    workDir: work,
  };
  let treeSeed = 0;

  const withStore = async <T>(fn: (s: LocalStore) => Promise<T>): Promise<T> => {
    const s = await LocalStore.open(layout, { fsync: false });
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  };
  const addInProcess = (seed: number) => withStore(async (s) => s.printPath((await s.addToStore(makeTree(work, seed), { method: 'nar', hashAlgo: 'sha256' })).path));

  // The substitution phase's source store, binary cache and paced cache server (started on first use).
  const srcRoot = join(work, 'src-store');
  const cacheDir = join(work, 'cache');
  let cache: { proc: ChildProcess; url: string } | undefined;
  const cacheUrl = async (): Promise<string> => {
    if (cache) return cache.url;
    const proc = spawn(nodeBin, ['--no-warnings', join(repoRoot, 'tests/support/http-cache-faults.ts'), cacheDir, '--pace-ms', '20'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const [line] = (await once(proc.stdout!.setEncoding('utf8'), 'data')) as [string];
    cache = { proc, url: `http://127.0.0.1:${(JSON.parse(line.split('\n')[0]!) as { port: number }).port}` };
    return cache.url;
  };
  const stopCache = async (): Promise<void> => {
    if (!cache) return;
    const exited = once(cache.proc, 'exit');
    cache.proc.stdin!.end();
    await exited;
  };

  /** The invariants after any kill or retry; returns the problems found. */
  const check = (when: string, phase?: Phase) =>
    withStore(async (s) => {
      const bad: string[] = [];
      for await (const ev of s.verify({ checkContents: true })) if (ev.type !== 'checked' && ev.type !== 'done') bad.push(`${when}: verify: ${ev.type} ${ev.path.baseName}`);
      const temps = readdirSync(layout.tempDir);
      if (temps.length > 0) bad.push(`${when}: temporaries left in .tix-tmp: ${temps.join(' ')}`);
      for (const n of readdirSync(layout.realStoreDir)) {
        if (n.startsWith('.')) continue;
        if (await s.db.isValidPath(s.parseStorePath(`/nix/store/${n}`))) continue;
        // gc and delete invalidate a batch, then delete its files (as Nix does): a kill in
        // between leaves invalid files, which the next gc removes (checked on retry).
        if (phase === 'gc' || phase === 'delete') result.invalidLeftovers++;
        else bad.push(`${when}: unregistered ${n} in the store directory`);
      }
      return bad;
    });
  const cliVerify = (when: string): string[] => {
    result.cliVerifies++;
    const r = tixSync(env, ['store', 'verify', ...S, '--all', '--check-contents']);
    return r.status === 0 ? [] : [`${when}: tix store verify exited ${r.status}: ${r.stderr.trim()}`];
  };

  /** Each phase: prepare (in process), the killed command, the retry and its check. */
  const phases: Record<Phase, () => Promise<{ args: string[]; retry: () => Promise<string[]> }>> = {
    add: async () => {
      const tree = makeTree(work, ++treeSeed);
      const expected = await addInProcess(treeSeed).then(async (p) => {
        // Know the path without leaving it valid: add, then delete it again.
        await withStore((s) => s.deletePaths([s.parseStorePath(p)]));
        return p;
      });
      return {
        args: ['store', 'add', ...S, tree],
        retry: async () => {
          const r = tixSync(env, ['store', 'add', ...S, tree]);
          rmSync(tree, { recursive: true, force: true });
          if (r.status !== 0) return [`add retry exited ${r.status}: ${r.stderr.trim()}`];
          return r.stdout.trim() === expected ? [] : [`add retry printed ${r.stdout.trim()}, expected ${expected}`];
        },
      };
    },
    build: async () => {
      const expr = buildExpr(`${opts.seed ?? 1}-${result.iterations}`);
      const args = ['build', ...S, '--no-out-link', '-Q', '-E', expr];
      return {
        args,
        retry: async () => {
          const r = tixSync(env, args);
          if (r.status !== 0) return [`build retry exited ${r.status}: ${r.stderr.trim()}`];
          const out = r.stdout.trim();
          const problems: string[] = [];
          try {
            if (readFileSync(join(layout.realStoreDir, out.slice(11), 'ab'), 'utf8') !== 'a\nb\n') problems.push(`build output ${out} has wrong contents`);
          } catch (e) {
            problems.push(`build output ${out} unreadable: ${(e as Error).message}`);
          }
          const trees = readdirSync(join(layout.realStoreDir, '.tix-builds'));
          if (trees.length > 0) problems.push(`sandbox trees left after the build retry: ${trees.join(' ')}`);
          return problems;
        },
      };
    },
    substitute: async () => {
      // A new path, in the cache only: added to the source store, then written as a narinfo and NAR.
      const tree = makeTree(work, ++treeSeed);
      const src = await LocalStore.open(storeLayout(srcRoot), { fsync: false });
      let path: string;
      try {
        const added = (await src.addToStore(tree, { method: 'nar', hashAlgo: 'sha256' })).path;
        path = src.printPath(added);
        await writeBinaryCache(src, [added], cacheDir, { compression: 'none' });
      } finally {
        await src.close();
      }
      rmSync(tree, { recursive: true, force: true });
      const args = ['realise', ...S, '--option', 'substituters', `${await cacheUrl()}?trusted=1`, path];
      return {
        args,
        retry: async () => {
          const r = tixSync(env, args);
          if (r.status !== 0) return [`substitute retry exited ${r.status}: ${r.stderr.trim()}`];
          if (r.stdout.trim() !== path) return [`substitute retry printed ${r.stdout.trim()}, expected ${path}`];
          const problems: string[] = [];
          if (!(await withStore((s) => s.db.isValidPath(s.parseStorePath(path))))) problems.push(`${path} not valid after the substitute retry`);
          const trees = existsSync(layout.tempDir) ? readdirSync(layout.tempDir) : [];
          if (trees.length > 0) problems.push(`temporaries left after the substitute retry: ${trees.join(' ')}`);
          return problems;
        },
      };
    },
    gc: async () => {
      // Some garbage to collect: a few added trees (built outputs of earlier iterations are garbage too).
      for (let i = 0; i < 3; i++) await addInProcess(++treeSeed);
      return {
        args: ['store', 'gc', ...S],
        retry: async () => {
          const r = tixSync(env, ['store', 'gc', ...S]);
          if (r.status !== 0) return [`gc retry exited ${r.status}: ${r.stderr.trim()}`];
          const dead = tixSync(env, ['store', 'gc', ...S, '--print-dead']);
          return dead.stdout.trim() === '' ? [] : [`dead paths left after gc retry: ${dead.stdout.trim().split('\n').length}`];
        },
      };
    },
    delete: async () => {
      const path = await addInProcess(++treeSeed);
      return {
        args: ['store', 'delete', ...S, path],
        retry: async () => {
          const valid = await withStore((s) => s.db.isValidPath(s.parseStorePath(path)));
          // Still valid: delete it again. Invalidated but its files left: gc removes them.
          const r = tixSync(env, valid ? ['store', 'delete', ...S, path] : ['store', 'gc', ...S]);
          if (r.status !== 0) return [`delete retry exited ${r.status}: ${r.stderr.trim()}`];
          const still = await withStore((s) => s.db.isValidPath(s.parseStorePath(path)));
          const present = readdirSync(layout.realStoreDir).includes(path.slice(11));
          return still || present ? [`${path} still ${still ? 'valid' : 'on disk'} after delete retry`] : [];
        },
      };
    },
  };

  try {
    // Calibrate: one uninterrupted run of each phase gives its typical runtime.
    const chosen = opts.phases?.length ? opts.phases : PHASES;
    for (const p of chosen) {
      const given = opts.typicalMs?.[p];
      if (given !== undefined) {
        result.phases[p].typicalMs = given;
        continue;
      }
      const { args, retry } = await phases[p]();
      const r = await tixKilled(env, args, 600_000);
      if (r.status !== 0) throw new Error(`calibration run of ${p} failed (${r.status}): ${r.stderr}`);
      result.phases[p].typicalMs = Math.round(r.ms);
      const bad = [...(await retry()), ...(await check(`calibration ${p}`))];
      if (bad.length > 0) throw new Error(`calibration of ${p}: ${bad.join('; ')}`);
      log(`calibrated ${p}: ${Math.round(r.ms)} ms`);
    }
    for (let i = 0; i < opts.iterations; i++) {
      if (opts.seconds !== undefined && performance.now() - t0 > opts.seconds * 1000) break;
      const phase = chosen[opts.roundRobin ? i % chosen.length : Math.floor(rand() * chosen.length)]!;
      const stats = result.phases[phase];
      const delay = rand() * stats.typicalMs;
      const { args, retry } = await phases[phase]();
      const r = await tixKilled(env, args, delay);
      stats.runs++;
      if (r.signal === 'SIGKILL') stats.killed++;
      else if (r.status === 0) stats.finished++;
      else result.failures.push(`#${i} ${phase} exited ${r.status ?? r.signal} before the kill: ${r.stderr.trim()}`);
      // A substitute is restored into the store's temp area (T-<pid>...) until it is committed.
      if (r.signal === 'SIGKILL' && phase === 'substitute' && existsSync(layout.tempDir) && readdirSync(layout.tempDir).some((n) => n.startsWith('T-'))) result.killedMidImport++;
      const when = `#${i} ${phase} killed at ${delay.toFixed(0)} ms`;
      const bad = [...(await check(`${when}, after the kill`, phase)), ...(await retry()).map((m) => `${when}: ${m}`)];
      bad.push(...(await check(`${when}, after the retry`)));
      if (opts.cliVerifyEvery && (i + 1) % opts.cliVerifyEvery === 0) bad.push(...cliVerify(when));
      result.failures.push(...bad);
      result.iterations++;
      log(`#${i} ${phase} ${r.signal === 'SIGKILL' ? 'killed' : 'finished'} at ${delay.toFixed(0)}/${stats.typicalMs} ms${bad.length ? ` FAILED: ${bad.join('; ')}` : ''}`);
    }
    result.failures.push(...cliVerify('final'));
  } finally {
    await stopCache();
    result.seconds = (performance.now() - t0) / 1000;
    if (!opts.keep) deleteTree(work);
  }
  return result;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const iterations = Number(argValue(argv, '--iterations') ?? 200);
  const seconds = argValue(argv, '--seconds');
  const seed = Number(argValue(argv, '--seed') ?? Date.now() % 1_000_000);
  const verbose = argv.includes('--verbose');
  const phases = argValue(argv, '--phases')?.split(',') as Phase[] | undefined;
  for (const p of phases ?? []) if (!PHASES.includes(p)) throw new Error(`--phases: unknown phase '${p}' (${PHASES.join(', ')})`);
  console.log(`kill loop: ${iterations} iterations${seconds ? `, at most ${seconds} s` : ''}, seed ${seed}${phases ? `, phases ${phases.join(',')}` : ''}`);
  const r = await runKillLoop({
    iterations,
    seconds: seconds === undefined ? undefined : Number(seconds),
    seed,
    phases,
    cliVerifyEvery: 10,
    keep: argv.includes('--keep'),
    log: (l) => (verbose || l.includes('FAILED') || l.startsWith('calibrated') ? console.log(l) : undefined),
  });
  console.log(`\niterations: ${r.iterations}  time: ${r.seconds.toFixed(1)} s  tix store verify runs: ${r.cliVerifies}  invalid files left by killed gc/delete (removed on retry): ${r.invalidLeftovers}  substitutions killed mid-import: ${r.killedMidImport}`);
  console.log('phase        runs  killed  finished-before-kill  typical-ms');
  for (const p of PHASES) {
    const s = r.phases[p];
    if (phases && !phases.includes(p)) continue;
    console.log(`${p.padEnd(12)} ${String(s.runs).padStart(4)}  ${String(s.killed).padStart(6)}  ${String(s.finished).padStart(20)}  ${String(s.typicalMs).padStart(10)}`);
  }
  console.log(`failures: ${r.failures.length}`);
  for (const f of r.failures) console.log(`  ${f}`);
  if (argv.includes('--keep')) console.log(`work directory kept: ${r.workDir}`);
  process.exitCode = r.failures.length === 0 ? 0 : 1;
}
