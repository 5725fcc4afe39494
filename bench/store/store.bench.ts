/**
 * `tix store add` against `nix-store --add`, side by side in one run:
 *
 *   (a) one large file (1 GiB by default)
 *   (b) a tree of 20,000 small files (in 200 directories)
 *
 * Both add into a fresh chroot store of their own (`--store DIR` / `local?root=DIR`) that
 * was initialised beforehand by adding a one-byte file, so the timing covers the add itself
 * (copy, canonicalise, NAR hash, register) and the process start-up, not the creation of
 * the database. Both use their default durability (Nix: fsync-metadata, tix: a synced DB
 * batch). Runs are interleaved, each contender first in every other round, with a `sync`
 * before each timed add; the table shows the best and the median of each. The
 * stores are deleted only at the end: on this (ext4, VM) machine an add that follows the
 * deletion of a 20,000-file store ran 5-8 times slower (kernel time), even after a sync,
 * so deleting each store after its run made every add but the very first (Nix's) pay for
 * the previous contender.
 * Inputs are generated under a temporary directory and removed at the end.
 * Usage: npm run bench:store [-- --runs N] [--big-mib N] [--files N]
 */

import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, now, TIX_BIN } from '../support/bench.ts';


const RUNS = arg('runs', 3);
const BIG_MIB = arg('big-mib', 1024);
const FILES = arg('files', 20000);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(r.stderr)}`);
  return String(r.stdout).trim();
}

const work = mkdtempSync(join(tmpdir(), 'tix-bench-store-'));
const tixConf = join(work, 'tix.conf');
writeFileSync(tixConf, '');
const tiny = join(work, 'tiny');
writeFileSync(tiny, 'x');

/** The two contenders: each adds `src` into the fresh store at `dir` and prints the path. */
const contenders: Record<string, { init(dir: string): void; add(dir: string, src: string): string }> = {
  'nix-store --add': {
    init: (dir) => void nix(dir, tiny),
    add: (dir, src) => nix(dir, src),
  },
  'tix store add': {
    init: (dir) => void tix(dir, tiny),
    add: (dir, src) => tix(dir, src),
  },
};

function nix(dir: string, src: string): string {
  return run('nix-store', ['--add', src], { NIX_REMOTE: `local?root=${dir}`, NIX_CONFIG: 'substituters =\n' });
}

function tix(dir: string, src: string): string {
  return run(TIX_BIN, ['store', 'add', '--store', dir, src], { TIX_CONF: tixConf });
}

function removeTree(dir: string): void {
  spawnSync('chmod', ['-R', 'u+w', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

function makeBigFile(path: string, mib: number): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < mib; i++) {
    randomFillSync(chunk);
    writeSync(fd, chunk);
  }
  closeSync(fd);
}

function makeTree(dir: string, files: number): void {
  const perDir = 100;
  for (let i = 0; i < files; i++) {
    const d = join(dir, `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}`), `file ${i}\n`.repeat(1 + (i % 50)));
  }
}

interface Stat {
  best: number;
  median: number;
}

function bench(title: string, src: string): void {
  const times: Record<string, number[]> = {};
  const paths = new Set<string>();
  for (let r = 0; r < RUNS; r++) {
    // Each goes first in every other round, and each timed add starts after a sync: with
    // neither side fsyncing its file, an add that starts while the previous contender's
    // gigabyte is still being written back pays for that writeback.
    const order = Object.entries(contenders);
    if (r % 2 === 1) order.reverse();
    for (const [name, c] of order) {
      const dir = join(work, `store-${r}-${name.split(' ')[0]}`);
      c.init(dir);
      spawnSync('sync');
      const t0 = now();
      paths.add(c.add(dir, src));
      (times[name] ??= []).push(now() - t0);
    }
  }
  // Both must have made the same store path, or the comparison means nothing.
  if (paths.size !== 1) throw new Error(`the contenders disagree on the store path: ${[...paths].join(', ')}`);
  const stats: [string, Stat][] = Object.keys(contenders).map((k) => [k, times[k]!] as const).map(([k, v]) => {
    const s = [...v].sort((a, b) => a - b);
    return [k, { best: s[0]!, median: s[Math.floor(s.length / 2)]! }];
  });
  const base = stats[0]![1];
  console.log(`\n${title}  (${[...paths][0]})`);
  for (const [k, s] of stats) {
    console.log(`  ${k.padEnd(18)} best ${s.best.toFixed(0).padStart(7)} ms   median ${s.median.toFixed(0).padStart(7)} ms   ${(s.best / base.best).toFixed(2)}x nix (best)   ${(s.median / base.median).toFixed(2)}x nix (median)   runs: ${times[k]!.map((t) => t.toFixed(0)).join(' ')}`);
  }
}

try {
  console.log(`runs: ${RUNS}, interleaved`);
  const big = join(work, 'big.bin');
  makeBigFile(big, BIG_MIB);
  bench(`(a) one ${BIG_MIB} MiB file`, big);
  rmSync(big);
  const tree = join(work, 'tree');
  makeTree(tree, FILES);
  bench(`(b) a tree of ${FILES} files`, tree);
} finally {
  removeTree(work);
}
