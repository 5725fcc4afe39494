/**
 * Build overhead, side by side with CppNix: a chain of N derivations (each depends on the
 * previous one) and a fan of M leaves under one root, every builder a trivial busybox
 * `sh -c`, built from the same expression by
 *
 *   nix-build --option sandbox true (busybox as /bin/sh, no substituters, local?root store)
 *   tix build (default sandbox: bubblewrap, busybox as /bin/sh, --store DIR)
 *
 * with the same --max-jobs, each run in a fresh empty store so everything is evaluated,
 * written and built. Prints the best run's wall time (as bench/build/realise.bench.ts does,
 * so that the two compare: with 2 runs a median is the worse one), the per-derivation
 * overhead, the ratio and every run.
 * Usage: npm run bench:build [-- --chain 100] [--fan 500] [--runs 3] [--jobs 2]
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, now, TIX_BIN } from '../support/bench.ts';


const CHAIN = arg('chain', 100);
const FAN = arg('fan', 500);
const RUNS = arg('runs', 3);
const JOBS = arg('jobs', 2);

const EXPR = `
{ shape, n }:
let
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; };
  chain = builtins.foldl' (prev: i: mk "chain-\${toString i}" "echo \${toString i} \${prev} > $out") "" (builtins.genList (i: i) n);
  leaves = builtins.genList (i: mk "leaf-\${toString i}" "echo \${toString i} > $out") n;
  fan = mk "fan-root" "echo \${builtins.concatStringsSep " " (map toString leaves)} > $out";
in if shape == "chain" then chain else fan
`;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = now();
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  const t = now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${String(r.stderr).slice(-2000)}`);
  return t;
}

function chmodRemove(dir: string): void {
  spawnSync('chmod', ['-R', 'u+w', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

function nixBuild(file: string, shape: string, n: number): number {
  const store = mkdtempSync(join(tmpdir(), 'tix-bench-nix-'));
  try {
    return run('nix-build', [file, '--argstr', 'shape', shape, '--arg', 'n', String(n), '--no-out-link', '--max-jobs', String(JOBS), '--option', 'sandbox', 'true', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox', '--option', 'substituters', ''], {
      NIX_REMOTE: `local?root=${store}`,
      NIX_CONFIG: 'experimental-features = nix-command',
    });
  } finally {
    chmodRemove(store);
  }
}

function tixBuild(file: string, shape: string, n: number): number {
  const store = mkdtempSync(join(tmpdir(), 'tix-bench-tix-'));
  try {
    return run(TIX_BIN, ['build', file, '--argstr', 'shape', shape, '--arg', 'n', String(n), '--no-out-link', '--max-jobs', String(JOBS), '-Q', '--store', store], {});
  } finally {
    chmodRemove(store);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tix-bench-build-'));
const file = join(dir, 'graph.nix');
writeFileSync(file, EXPR);
const nixVersion = spawnSync('nix-build', ['--version']).stdout?.toString().trim();
console.log(`tix build benchmark: ${RUNS} interleaved runs, --max-jobs ${JOBS}; ${nixVersion}; node ${process.version}\n`);
try {
  for (const [shape, n, drvs] of [['chain', CHAIN, CHAIN], ['fan', FAN, FAN + 1]] as const) {
    const t: Record<string, number[]> = { nix: [], tix: [] };
    for (let r = 0; r < RUNS; r++) {
      t.nix!.push(nixBuild(file, shape, n));
      t.tix!.push(tixBuild(file, shape, n));
    }
    const nixMs = Math.min(...t.nix!);
    const tixMs = Math.min(...t.tix!);
    console.log(`${shape} of ${drvs} derivations (best of ${RUNS})`);
    console.log(`  nix-build (sandboxed)   ${nixMs.toFixed(0).padStart(7)} ms   ${(nixMs / drvs).toFixed(1).padStart(6)} ms/derivation`);
    console.log(`  tix build (sandboxed)   ${tixMs.toFixed(0).padStart(7)} ms   ${(tixMs / drvs).toFixed(1).padStart(6)} ms/derivation   ${(tixMs / nixMs).toFixed(2)}x nix-build`);
    console.log(`  all runs: nix ${t.nix!.map((x) => x.toFixed(0)).join(', ')} ms; tix ${t.tix!.map((x) => x.toFixed(0)).join(', ')} ms`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
