/**
 * Per-derivation overhead of building, tix against Nix 2.8, both sandboxed, in one run:
 *
 *   chain  N derivations, each depending on the one before (no parallelism possible)
 *   fan    N independent leaves and one derivation depending on all of them
 *
 * Every builder is busybox `sh -c 'echo ... > $out'`, so the time is the builders'
 * overhead: sandbox set-up, input closure, output scan, hashing, registration. The same
 * `.drv` files (written by `nix-instantiate`, with a fresh salt per run so nothing is
 * already built) are realised by `nix-store --realise` (sandbox = true, substituters
 * empty) in a `local?root=` store, and by `tix realise` in a chroot store into which the
 * same `.drv` files were added beforehand, untimed (in-process `addTextToStore`, which
 * checks that each lands at the path Nix gave it). Evaluation is not timed for either.
 * Both use the same --max-jobs.
 * Usage: npm run bench:realise [-- --runs N] [--chain N] [--fan N] [--jobs N]
 */

import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derivationNameFromPath, derivationReferences, parseDerivation } from '../../src/store/index.ts';
import { LocalStore, storeLayout } from '../../src/store/local/index.ts';
import { arg, now, TIX_BIN } from '../support/bench.ts';


const RUNS = arg('runs', 2);
const CHAIN = arg('chain', 100);
const FAN = arg('fan', 500);
const JOBS = arg('jobs', 2);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).slice(-2000)}`);
  return String(r.stdout).trim();
}

const work = mkdtempSync(join(tmpdir(), 'tix-bench-build-'));
const tixConf = join(work, 'tix.conf');
writeFileSync(tixConf, '');
const BUSYBOX_SH = '/bin/sh=/bin/busybox';

const EXPR = `{ kind, n, salt }:
let
  mk = name: deps: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo \${salt} \${toString deps} > $out" ];
  };
  chain = builtins.foldl' (prev: i: mk "chain-\${toString i}" (if prev == null then [ ] else [ prev ])) null (builtins.genList (i: i) n);
  fan = mk "fan-top" (builtins.genList (i: mk "fan-\${toString i}" [ ]) n);
in if kind == "chain" then chain else fan
`;
writeFileSync(join(work, 'bench.nix'), EXPR);

const nixEnv = (store: string) => ({
  NIX_REMOTE: `local?root=${store}`,
  NIX_CONFIG: `experimental-features = nix-command\nsandbox = true\nsandbox-paths = ${BUSYBOX_SH}\nsubstituters =\n`,
});

function removeTree(dir: string): void {
  spawnSync('chmod', ['-R', 'u+w', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

interface Row {
  nix: number[];
  tix: number[];
}

/** Add the .drv closure of `drv` (files in Nix's store at `nixStore`) to the tix store at `tixStore`. */
async function importDrvs(nixStore: string, tixStore: string, drv: string): Promise<void> {
  const closure = run('nix-store', ['--query', '--requisites', drv], nixEnv(nixStore)).split('\n');
  const store = await LocalStore.open(storeLayout(tixStore), { fsync: false });
  try {
    const storeDir = store.layout.storeDir;
    for (const p of closure) {
      const path = store.parseStorePath(p);
      const bytes = readFileSync(nixStore + p);
      const d = parseDerivation(bytes, { name: derivationNameFromPath(path), storeDir, whence: p });
      const info = await store.addTextToStore(path.name, bytes, derivationReferences(d));
      if (info.path.baseName !== path.baseName) throw new Error(`${p} landed at ${info.path.baseName} in tix`);
    }
  } finally {
    await store.close();
  }
}

async function once(kind: 'chain' | 'fan', n: number, r: number, row: Row): Promise<void> {
  const salt = `${process.pid}-${kind}-${r}-${Date.now()}`;
  const nixStore = join(work, `nix-${kind}-${r}`);
  const tixStore = join(work, `tix-${kind}-${r}`);
  const drv = run('nix-instantiate', [join(work, 'bench.nix'), '--argstr', 'kind', kind, '--arg', 'n', String(n), '--argstr', 'salt', salt], nixEnv(nixStore));
  const tixArgs = ['--store', tixStore, '--option', 'sandbox-paths', BUSYBOX_SH, '--max-jobs', String(JOBS)];
  await importDrvs(nixStore, tixStore, drv);

  let t0 = now();
  const nixOut = run('nix-store', ['--realise', drv, '--max-jobs', String(JOBS)], nixEnv(nixStore));
  row.nix.push(now() - t0);
  t0 = now();
  const tixOut = run(TIX_BIN, ['realise', drv, '-Q', '--option', 'substituters', '', ...tixArgs], { TIX_CONF: tixConf });
  row.tix.push(now() - t0);
  if (nixOut !== tixOut) throw new Error(`different outputs: nix ${nixOut}, tix ${tixOut}`);
  for (const d of [nixStore, tixStore]) removeTree(d);
}

try {
  console.log(`runs: ${RUNS}, max-jobs ${JOBS}, Nix sandboxed (sandbox = true), tix sandboxed (bubblewrap)`);
  for (const [kind, n] of [['chain', CHAIN], ['fan', FAN]] as const) {
    const row: Row = { nix: [], tix: [] };
    for (let r = 0; r < RUNS; r++) await once(kind, n, r, row);
    const count = kind === 'chain' ? n : n + 1;
    const best = (v: number[]) => Math.min(...v);
    const nb = best(row.nix);
    const tb = best(row.tix);
    console.log(`\n${kind} of ${count} derivations (best of ${RUNS})`);
    console.log(`  nix-store --realise  ${nb.toFixed(0).padStart(7)} ms   ${(nb / count).toFixed(1).padStart(6)} ms/drv`);
    console.log(`  tix realise          ${tb.toFixed(0).padStart(7)} ms   ${(tb / count).toFixed(1).padStart(6)} ms/drv   ${(tb / nb).toFixed(2)}x nix`);
    console.log(`  all runs: nix ${row.nix.map((x) => x.toFixed(0)).join(', ')} ms; tix ${row.tix.map((x) => x.toFixed(0)).join(', ')} ms`);
  }
} finally {
  removeTree(work);
}
