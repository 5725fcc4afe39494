/**
 * `npm run fuzz [-- TARGET...] [--seconds N] [--nix] [--coverage]`: runs each fuzz target
 * (tests/fuzz/targets.ts) under Jazzer.js for a bounded time, one after the other, and
 * prints what each did.
 *
 * - time per target: `--seconds N`, else `FUZZ_SECONDS`, else 30;
 * - corpus: new inputs go to `.fuzz/corpus/<target>/` (kept between runs, not committed),
 *   seeds are read from `tests/fuzz/corpus/<target>/` and `tests/fuzz/regressions/<target>/`;
 * - findings: libFuzzer saves the input as `.fuzz/findings/<target>/crash-<sha1>` (or
 *   `timeout-…`, `oom-…`); reproduce one with
 *   `node tests/fuzz/run.ts TARGET --replay FILE`;
 * - `--nix`: differential mode where a target has one (nar-restore runs
 *   `nix-store --restore` on every input and fails when Nix rejects what tix restored;
 *   nix-parse runs `nix-instantiate --parse` and logs verdict differences); ~30 inputs/s;
 * - `--coverage`: also writes an istanbul summary of `src/` lines covered to
 *   `.fuzz/coverage/<target>/`.
 *
 * Exits 1 when any target found something.
 */

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureJazzerAddon } from './support/jazzer-addon.ts';
import type { JazzerRun } from './support/jazzer-main.ts';
import { type FuzzTarget, TARGETS, targetNamed } from './targets.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'tests', 'fuzz', 'support', 'jazzer-main.ts');

export interface RunOptions {
  /** Stop after this many seconds (`-max_total_time`). */
  readonly seconds?: number;
  /** Stop after this many inputs (`-runs`). */
  readonly runs?: number;
  /** libFuzzer's random seed; fixed for reproducible short runs. */
  readonly seed?: number;
  /** Where new corpus inputs go; the committed seeds are always read too. */
  readonly corpusDir: string;
  /** Where crashing inputs are saved. */
  readonly artifactDir: string;
  readonly coverageDir?: string;
  /** Extra environment for the child (e.g. `TIX_FUZZ_NIX=1`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Per-input time limit; an input running longer is a finding. */
  readonly timeoutMs?: number;
  /** Also run Jazzer's prototype-pollution detector (slower start). */
  readonly prototypePollution?: boolean;
  /** Replay these inputs only (no fuzzing). */
  readonly replay?: readonly string[];
}

export interface RunStats {
  readonly target: string;
  /** 0: nothing found; 77: a finding; anything else: the run itself failed. */
  readonly exitCode: number;
  readonly seconds: number;
  readonly execs?: number;
  readonly execsPerSecond?: number;
  /** libFuzzer's edge coverage ("cov") and features ("ft") at the end. */
  readonly cov?: number;
  readonly ft?: number;
  readonly corpus?: number;
  readonly newUnits?: number;
  readonly peakRssMb?: number;
  readonly artifact?: string;
  /** Lines of `src/` covered, when a coverage report was asked for. */
  readonly lineCoverage?: string;
  readonly log: string;
}

export function seedDir(t: FuzzTarget): string {
  return join(ROOT, 'tests', 'fuzz', 'corpus', t.name);
}

/** Saved findings of a target (each replayed by tests/fuzz/regressions.test.ts), also read as seeds. */
export function regressionDir(t: FuzzTarget): string {
  return join(ROOT, 'tests', 'fuzz', 'regressions', t.name);
}

/** Runs one target in a child process and collects libFuzzer's figures. */
export function runTarget(t: FuzzTarget, o: RunOptions): Promise<RunStats> {
  mkdirSync(o.corpusDir, { recursive: true });
  mkdirSync(o.artifactDir, { recursive: true });
  const flags = [
    `-max_len=${t.maxLen}`,
    `-artifact_prefix=${o.artifactDir}/`,
    '-print_final_stats=1',
    ...(o.seconds !== undefined ? [`-max_total_time=${o.seconds}`] : []),
    ...(o.runs !== undefined ? [`-runs=${o.runs}`] : []),
    ...(o.seed !== undefined ? [`-seed=${o.seed}`] : []),
  ];
  const run: JazzerRun = {
    target: join(ROOT, 'tests', 'fuzz', `${t.name}.fuzz.ts`),
    includes: [join(ROOT, 'src') + '/'],
    async: t.async ?? false,
    fuzzerOptions: o.replay ? [...o.replay, '-runs=1'] : [o.corpusDir, seedDir(t), ...(existsSync(regressionDir(t)) ? [regressionDir(t)] : []), ...flags],
    timeoutMs: o.timeoutMs ?? 10_000,
    prototypePollution: o.prototypePollution ?? false,
    ...(o.coverageDir ? { coverageDir: o.coverageDir } : {}),
  };
  const started = performance.now();
  // The child writes into files, not pipes: libFuzzer prints its stats with plain C stdio
  // on descriptors Node made non-blocking, so with a full pipe (a slow reader on a loaded
  // machine) its last lines, the final run count among them, were dropped.
  const logDir = mkdtempSync(join(tmpdir(), 'tix-fuzz-log-'));
  const outFile = join(logDir, 'stdout');
  const errFile = join(logDir, 'stderr');
  const outFd = openSync(outFile, 'w');
  const errFd = openSync(errFile, 'w');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN, JSON.stringify(run)], {
      cwd: ROOT,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', outFd, errFd],
    });
    closeSync(outFd);
    closeSync(errFd);
    let log: string | undefined;
    const finish = (): string => {
      // Kept apart: libFuzzer writes its stats to stderr while the target may print on
      // stdout, and the two interleaved into one file could split a stats line.
      if (log === undefined) {
        log = `${readFileSync(outFile, 'utf8')}\n${readFileSync(errFile, 'utf8')}`;
        rmSync(logDir, { recursive: true, force: true });
      }
      return log;
    };
    child.on('error', (e) => {
      finish();
      fail(e);
    });
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      done(parseStats(t.name, code ?? (signal ? 128 : 1), seconds, finish()));
    });
  });
}

function lastMatch(log: string, re: RegExp): RegExpMatchArray | undefined {
  let m: RegExpMatchArray | undefined;
  for (const x of log.matchAll(re)) m = x;
  return m;
}

function parseStats(target: string, exitCode: number, seconds: number, log: string): RunStats {
  const num = (re: RegExp) => {
    const m = lastMatch(log, re);
    return m ? Number(m[1]) : undefined;
  };
  const status = lastMatch(log, /^#\d+\s+(?:DONE|NEW|REDUCE|pulse|INITED)\s+cov: (\d+) ft: (\d+) corp: (\d+)\//gm);
  const artifact = lastMatch(log, /Test unit written to (\S+)/g)?.[1];
  const lines = lastMatch(log, /^Lines\s*:\s*([\d.]+% \(\s*\d+\/\d+\s*\))/gm)?.[1];
  return {
    target,
    exitCode,
    seconds,
    // (the stat:: lines are the last thing libFuzzer prints; should they be cut off, the
    // last progress line still has the count)
    execs: num(/^stat::number_of_executed_units:\s+(\d+)/gm) ?? num(/^Done (\d+) runs/gm) ?? num(/^#(\d+)\s/gm),
    execsPerSecond: num(/^stat::average_exec_per_sec:\s+(\d+)/gm) ?? num(/^#\d+\s.* exec\/s: (\d+)/gm),
    cov: status ? Number(status[1]) : undefined,
    ft: status ? Number(status[2]) : undefined,
    corpus: status ? Number(status[3]) : undefined,
    newUnits: num(/^stat::new_units_added:\s+(\d+)/gm),
    peakRssMb: num(/^stat::peak_rss_mb:\s+(\d+)/gm),
    ...(artifact ? { artifact } : {}),
    ...(lines ? { lineCoverage: lines.replace(/\s+/g, ' ') } : {}),
    log,
  };
}

/** The part of a log that explains a finding: the error and its stack, without the progress lines. */
export function findingText(s: RunStats): string {
  return s.log
    .split('\n')
    .filter((l) => !/^#\d+\s/.test(l) && !l.startsWith('INFO:') && !l.startsWith('MS:') && !l.startsWith('stat::'))
    .join('\n')
    .trim();
}

function row(cells: readonly (string | number | undefined)[]): string {
  const widths = [12, 6, 10, 7, 6, 6, 6, 7, 22];
  return cells.map((c, i) => String(c ?? '-').padStart(i === 0 ? 0 : widths[i]!).padEnd(i === 0 ? widths[0]! : 0)).join(' ');
}

async function main(argv: string[]): Promise<number> {
  const names: string[] = [];
  let seconds = Number(process.env.FUZZ_SECONDS ?? 30);
  let nix = false;
  let coverage = false;
  let replay: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seconds') seconds = Number(argv[++i]);
    else if (a === '--nix') nix = true;
    else if (a === '--coverage') coverage = true;
    else if (a === '--replay') replay = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run fuzz -- [TARGET...] [--seconds N] [--nix] [--coverage] [--replay FILE]\ntargets: ${TARGETS.map((t) => t.name).join(', ')}`);
      return 0;
    } else names.push(a);
  }
  if (!(seconds > 0)) throw new Error('--seconds / FUZZ_SECONDS must be a positive number');
  const targets = names.length > 0 ? names.map(targetNamed) : TARGETS;
  if (replay && targets.length !== 1) throw new Error('--replay needs exactly one target');
  ensureJazzerAddon();

  const all: RunStats[] = [];
  console.log(row(['target', 'secs', 'execs', 'exec/s', 'cov', 'ft', 'corp', 'result', 'src lines']));
  for (const t of targets) {
    const s = await runTarget(t, {
      seconds,
      corpusDir: join(ROOT, '.fuzz', 'corpus', t.name),
      prototypePollution: true,
      artifactDir: join(ROOT, '.fuzz', 'findings', t.name),
      ...(coverage ? { coverageDir: join(ROOT, '.fuzz', 'coverage', t.name) } : {}),
      ...(nix ? { env: { TIX_FUZZ_NIX: '1' } } : {}),
      ...(replay ? { replay: [resolve(replay)] } : {}),
    });
    all.push(s);
    const result = s.exitCode === 0 ? 'ok' : s.exitCode === 77 ? 'FINDING' : `exit ${s.exitCode}`;
    console.log(row([t.name, s.seconds.toFixed(0), s.execs, s.execsPerSecond, s.cov, s.ft, s.corpus, result, s.lineCoverage]));
    if (s.exitCode !== 0) {
      console.log(findingText(s).split('\n').slice(-40).join('\n'));
      if (s.artifact) console.log(`  input saved to ${s.artifact}`);
    }
  }
  mkdirSync(join(ROOT, '.fuzz'), { recursive: true });
  writeFileSync(
    join(ROOT, '.fuzz', 'last-run.json'),
    JSON.stringify(all.map(({ log: _log, ...rest }) => ({ ...rest, date: new Date().toISOString(), nix })), null, 2) + '\n',
  );
  return all.every((s) => s.exitCode === 0) ? 0 : 1;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
