/**
 * Evaluation speed and memory: each workload (workloads.ts) through CppNix
 * (`nix-instantiate --eval --strict`, the installed Nix, against a throw-away store) and
 * `tix instantiate --eval --strict` (bin/tix) in the same run, as whole processes (start-up
 * included, as a user sees it). After one warm-up each, the two run in turn; wall time is
 * the median of N runs (default 3), peak RSS the largest, both from /usr/bin/time. Outputs must agree. Run: npm run bench:eval [-- N]
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIX_BIN } from '../support/bench.ts';
import { WORKLOADS } from './workloads.ts';

const RUNS = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'tix-bench-eval-'));
const env = { ...process.env, NIX_REMOTE: `local?root=${join(dir, 'store')}`, NIX_PATH: '', NIX_CONFIG: 'substituters =\n' };

interface Run {
  secs: number;
  kb: number;
  out: string;
}

function timed(cmd: string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd], { env, maxBuffer: 1 << 28, encoding: 'utf8' });
  const lines = r.stderr.trimEnd().split('\n');
  const [secs, kb] = lines[lines.length - 1]!.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed:\n${r.stderr}`);
  return { secs: secs!, kb: kb!, out: r.stdout };
}

const summary = (runs: Run[]): Run => ({
  secs: runs.map((x) => x.secs).sort((a, b) => a - b)[runs.length >> 1]!,
  kb: Math.max(...runs.map((x) => x.kb)),
  out: runs[0]!.out,
});

/**
 * Both commands, one untimed warm-up each (page cache, compile cache), then RUNS timed runs
 * taken in turn, so a busy moment on a shared machine falls on both sides alike.
 */
function measurePair(a: string[], b: string[]): [Run, Run] {
  timed(a);
  timed(b);
  const ra: Run[] = [];
  const rb: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    ra.push(timed(a));
    rb.push(timed(b));
  }
  return [summary(ra), summary(rb)];
}

const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number, n: number, d = 2): string => x.toFixed(d).padStart(n);
console.log(`bench/eval: ${RUNS} runs each, median wall time (s) and peak RSS (MB), process start included`);
console.log(`${pad('workload', 28)}${'nix s'.padStart(8)}${'tix s'.padStart(8)}${'ratio'.padStart(7)}${'nix MB'.padStart(9)}${'tix MB'.padStart(9)}${'ratio'.padStart(7)}  same`);
const timeRatios: number[] = [];
const memRatios: number[] = [];
try {
  for (const w of WORKLOADS) {
    const file = join(dir, `${w.name.replace(/\W+/g, '-')}.nix`);
    writeFileSync(file, w.nix + '\n');
    const [nix, tix] = measurePair(['nix-instantiate', '--eval', '--strict', file], [TIX_BIN, 'instantiate', '--eval', '--strict', file]);
    const tr = tix.secs / nix.secs;
    const mr = tix.kb / nix.kb;
    timeRatios.push(tr);
    memRatios.push(mr);
    console.log(
      `${pad(w.name, 28)}${num(nix.secs, 8)}${num(tix.secs, 8)}${num(tr, 7)}${num(nix.kb / 1024, 9, 1)}${num(tix.kb / 1024, 9, 1)}${num(mr, 7)}  ${nix.out === tix.out ? 'yes' : 'NO'}`,
    );
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`median ratio (tix/nix): time ${med(timeRatios).toFixed(2)}, memory ${med(memRatios).toFixed(2)}`);
} finally {
  spawnSync('chmod', ['-R', 'u+w', dir]);
  rmSync(dir, { recursive: true, force: true });
}
