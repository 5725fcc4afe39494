/**
 * NAR benchmarks, side by side with CppNix and with Node's raw sha256 throughput:
 *
 *   (a) NAR-serialise + sha256 of one 1 GiB file
 *   (b) NAR-serialise + sha256 of a tree of 20,000 small files
 *       tix in-process (`hashPath`), `tix hash path` as a process, `nix-hash --type sha256`
 *       (Nix's in-process NAR hashing), and sha256 of the same bytes already in memory
 *   (c) `tix nar restore` vs `nix-store --restore` of both NARs (and tix in-process, which
 *       leaves out Node's start-up of about 60-100 ms)
 *   (d) reference scanning throughput vs sha256 on the same bytes
 *
 * Inputs are generated under a temporary directory and removed at the end. Runs are
 * interleaved and repeated; the table shows the best and the median time of each.
 * Usage: npm run bench:nar [-- --runs N] [--big-mib N] [--files N]
 */

import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RefScanner } from '../../src/store/index.ts';
import { hashPath, readFdChunks, restorePath } from '../../src/store/local/index.ts';
import { arg, now, TIX_BIN } from '../support/bench.ts';


const RUNS = arg('runs', 5);
const BIG_MIB = arg('big-mib', 1024);
const FILES = arg('files', 20000);

interface Stat {
  readonly best: number;
  readonly median: number;
}

function stat(times: number[]): Stat {
  const s = [...times].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
}

/** Run every contender `RUNS` times, interleaved, so machine noise hits them alike. */
async function race(contenders: Record<string, () => unknown>): Promise<Record<string, Stat>> {
  const times: Record<string, number[]> = {};
  for (const k of Object.keys(contenders)) times[k] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const [k, f] of Object.entries(contenders)) {
      const t0 = now();
      await f();
      times[k]!.push(now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, stat(v)]));
}

function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const stdin = opts.input ? openSync(opts.input, 'r') : 'ignore';
  const r = spawnSync(cmd, args, { stdio: [stdin, 'pipe', 'pipe'], maxBuffer: 1 << 20, env: opts.env ?? process.env });
  if (typeof stdin === 'number') closeSync(stdin);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(r.stderr)}`);
  return String(r.stdout);
}

function table(title: string, rows: [string, Stat][], baseline: string, extra?: [string, string]): void {
  console.log(`\n${title}`);
  const base = rows.find(([k]) => k === baseline)![1];
  for (const [k, s] of rows) {
    const ratio = (s.best / base.best).toFixed(2);
    console.log(`  ${k.padEnd(44)} best ${s.best.toFixed(0).padStart(6)} ms   median ${s.median.toFixed(0).padStart(6)} ms   ${ratio}x ${baseline}`);
  }
  if (extra) console.log(`  ${extra[0]}: ${extra[1]}`);
}

function makeTree(dir: string, files: number): void {
  // 200 directories × 4 subdirectories × 25 files of 0–4 KiB, every tenth executable, a symlink per subdirectory.
  mkdirSync(dir);
  let n = 0;
  let seed = 1;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
  const buf = new Uint8Array(4096);
  for (let d = 0; n < files; d++) {
    mkdirSync(join(dir, `d${d}`));
    for (let s = 0; s < 4 && n < files; s++) {
      const sub = join(dir, `d${d}`, `s${s}`);
      mkdirSync(sub);
      spawnSync('ln', ['-s', '../s0', join(sub, 'link')]);
      for (let f = 0; f < 25 && n < files; f++, n++) {
        const size = Math.floor(rand() * 4097);
        randomFillSync(buf, 0, size);
        writeFileSync(join(sub, `f${f}.txt`), buf.subarray(0, size), { mode: f % 10 === 0 ? 0o755 : 0o644 });
      }
    }
  }
}

function makeBig(path: string, mib: number): void {
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(16 << 20);
  for (let i = 0; i < mib; i += 16) writeSync(fd, randomFillSync(chunk), 0, Math.min(16, mib - i) << 20);
  closeSync(fd);
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'tix-bench-nar-'));
  const nixEnv = { ...process.env, NIX_REMOTE: `local?root=${join(tmp, 'nix-root')}` };
  try {
    console.log(`tix NAR benchmark: ${RUNS} interleaved runs each; node ${process.version}; ${run('nix-store', ['--version']).trim()}`);
    const big = join(tmp, 'big');
    const tree = join(tmp, 'tree');
    makeBig(big, BIG_MIB);
    makeTree(tree, FILES);
    const bigNar = join(tmp, 'big.nar');
    const treeNar = join(tmp, 'tree.nar');
    for (const [src, dst] of [[big, bigNar], [tree, treeNar]] as const) {
      const fd = openSync(dst, 'w');
      spawnSync('nix-store', ['--dump', src], { stdio: ['ignore', fd, 'inherit'], env: nixEnv });
      closeSync(fd);
    }

    for (const [label, path, narFile] of [
      [`(a) NAR + sha256 of one ${BIG_MIB} MiB file`, big, bigNar],
      [`(b) NAR + sha256 of a tree of ${FILES} small files`, tree, treeNar],
    ] as const) {
      // Same answer first.
      const expect = run('nix-hash', ['--type', 'sha256', path], { env: nixEnv }).trim();
      const got = (await hashPath(path, 'sha256')).hash.base16;
      if (got !== expect) throw new Error(`hash mismatch on ${path}: tix ${got}, nix ${expect}`);
      const narBytes = readFileSync(narFile);
      const raw = (): void => {
        const h = createHash('sha256');
        for (let o = 0; o < narBytes.length; o += 1 << 20) h.update(narBytes.subarray(o, o + (1 << 20)));
        h.digest();
      };
      const r = await race({
        'sha256 of the NAR bytes in memory (raw)': raw,
        'tix hashPath() in-process': () => hashPath(path, 'sha256'),
        'tix hash path --base16 (process)': () => run(TIX_BIN, ['hash', 'path', '--base16', path]),
        'nix-hash --type sha256 (process)': () => run('nix-hash', ['--type', 'sha256', path], { env: nixEnv }),
      });
      const rows = Object.entries(r);
      table(label, rows, 'nix-hash --type sha256 (process)', [
        'tix in-process / raw sha256',
        `${(r['tix hashPath() in-process']!.best / r['sha256 of the NAR bytes in memory (raw)']!.best).toFixed(2)}x (best), ${(r['tix hashPath() in-process']!.median / r['sha256 of the NAR bytes in memory (raw)']!.median).toFixed(2)}x (median); NAR ${narBytes.length} bytes`,
      ]);

      let i = 0;
      const rr = await race({
        'tix restorePath() in-process': async () => {
          const fd = openSync(narFile, 'r');
          try {
            await restorePath(join(tmp, `r-tix-${i++}`), readFdChunks(fd, { reuseBuffer: true }));
          } finally {
            closeSync(fd);
          }
        },
        'tix nar restore (process)': () => run(TIX_BIN, ['nar', 'restore', join(tmp, `r-tix-${i++}`)], { input: narFile }),
        'nix-store --restore (process)': () => run('nix-store', ['--restore', join(tmp, `r-nix-${i++}`)], { input: narFile, env: nixEnv }),
      });
      table(`(c) restore of ${label.slice(4)}`, Object.entries(rr), 'nix-store --restore (process)');
      for (let k = 0; k < i; k++) for (const who of ['tix', 'nix']) rmSync(join(tmp, `r-${who}-${k}`), { recursive: true, force: true });
    }

    // (d) reference scanning: 256 MiB of random bytes and 64 MiB of text made of store paths (the worst case: long nix32 runs).
    const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 31;
    const hashPart = (): string => Array.from({ length: 32 }, () => alphabet[rnd()]).join('');
    const candidates = Array.from({ length: 500 }, hashPart);
    const binary = randomFillSync(new Uint8Array(256 << 20));
    // 50 of the 500 candidates occur, spread over the data.
    for (let i = 0; i < 50; i++) binary.set(Buffer.from(candidates[i * 10]!), Math.floor(((i + 0.5) / 50) * (binary.length - 32)));
    const lines: string[] = [];
    for (let i = 0, n = 0; n < 1 << 20; i++) {
      const line = `/nix/store/${hashPart()}-package-${i}/lib:`;
      lines.push(line);
      n += line.length;
    }
    const text = Buffer.from(lines.join('').repeat(64) + `/nix/store/${candidates[499]}-last`);
    for (const [what, data] of [['random binary', binary], ['text of store paths', text]] as const) {
      const scan = (): void => {
        const s = new RefScanner(candidates);
        for (let o = 0; o < data.length; o += 1 << 20) s.update(data.subarray(o, o + (1 << 20)));
      };
      const sha = (): void => {
        const h = createHash('sha256');
        for (let o = 0; o < data.length; o += 1 << 20) h.update(data.subarray(o, o + (1 << 20)));
        h.digest();
      };
      const r = await race({ 'RefScanner (500 candidates)': scan, 'sha256 (raw)': sha });
      const mib = data.length / (1 << 20);
      table(`(d) reference scan of ${mib} MiB of ${what}`, Object.entries(r), 'sha256 (raw)', [
        'throughput',
        `RefScanner ${(mib / (r['RefScanner (500 candidates)']!.best / 1000)).toFixed(0)} MiB/s, sha256 ${(mib / (r['sha256 (raw)']!.best / 1000)).toFixed(0)} MiB/s`,
      ]);
    }
  } finally {
    spawnSync('chmod', ['-R', 'u+w', tmp]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
