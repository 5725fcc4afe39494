/**
 * `tix build FILE|-E EXPR` against `nix-build`: the same expression gives the same `.drv`
 * paths, the same output paths and the same output trees (NAR hashes), through sources
 * copied from the working tree, `builtins.toFile`, `filterSource`, and a derivation that
 * depends on another. Evaluation errors are printed as Nix prints them.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILD_SKIP } from '../../support/build.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { runTix } from '../../support/tix-cli.ts';

// Nix builds in a chroot store with busybox as /bin/sh, as tix does by default.
const NIX_OPTS = ['--option', 'sandbox', 'true', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox'];

const EXPR = `
{ greeting ? "hello" }:
let
  msg = builtins.toFile "msg.txt" "\${greeting} from a test\\n";
  src = builtins.filterSource (p: t: baseNameOf p != "skip.txt") ./data;
  lib = derivation {
    name = "lib-part";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "mkdir $out; cat \${msg} > $out/msg; cp -r \${src} $out/src" ];
  };
in derivation {
  name = "app";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  outputs = [ "out" "doc" ];
  args = [ "-c" "mkdir $out $doc; echo \${lib}/msg > $out/ref; cat \${lib}/msg > $doc/copy; cat \${./data/keep.txt} >> $doc/copy" ];
}
`;

describe('tix build of a Nix expression', { skip: NIX_SKIP || BUILD_SKIP }, () => {
  let dir: string;
  let nix: NixSandbox;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tix-build-expr-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'keep.txt'), 'kept\n');
    writeFileSync(join(dir, 'data', 'skip.txt'), 'skipped\n');
    writeFileSync(join(dir, 'default.nix'), EXPR);
    nix = new NixSandbox();
  });
  after(() => {
    nix.dispose();
    spawnSync('chmod', ['-R', 'u+w', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same .drv as nix-instantiate and builds the same outputs as nix-build', () => {
    const drvs = nix.ok('nix-instantiate', [join(dir, 'default.nix'), '--argstr', 'greeting', 'hi']).trim();
    const outs = nix.ok('nix-build', [join(dir, 'default.nix'), '--argstr', 'greeting', 'hi', '--no-out-link', ...NIX_OPTS]).trim().split('\n');
    const r = runTix(['build', '--store', join(dir, 'store'), '--argstr', 'greeting', 'hi', '-o', join(dir, 'result')], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.toString().trim().split('\n'), outs);
    assert.equal(readlinkSync(join(dir, 'result')), outs[0]);
    const drvBase = drvs.slice('/nix/store/'.length);
    const ours = runTix(['store', 'path-info', '--store', join(dir, 'store'), drvs]);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout.toString().trim(), drvs);
    for (const out of outs) {
      const base = out.slice('/nix/store/'.length);
      const nixHash = nix.ok('nix-hash', ['--type', 'sha256', '--base32', join(nix.root, 'nix/store', base)]).trim();
      const tixHash = nix.ok('nix-hash', ['--type', 'sha256', '--base32', join(dir, 'store/nix/store', base)]).trim();
      assert.equal(tixHash, nixHash, `output ${base}`);
    }
    assert.ok(drvBase.endsWith('-app.drv'));
  });

  it('tix instantiate writes the .drv files and sources Nix writes, byte for byte', () => {
    const store = join(dir, 'inst-store');
    const drv = nix.ok('nix-instantiate', [join(dir, 'default.nix'), '--argstr', 'greeting', 'yo']).trim();
    const r = runTix(['instantiate', '--store', store, join(dir, 'default.nix'), '--argstr', 'greeting', 'yo']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString().trim(), drv);
    const nixFiles = readdirSync(join(nix.root, 'nix/store')).filter((f) => !f.startsWith('.'));
    const ours = readdirSync(join(store, 'nix/store')).filter((f) => !f.startsWith('.'));
    for (const f of ours) {
      assert.ok(nixFiles.includes(f), `${f} is in Nix's store too`);
      if (f.endsWith('.drv') || f.endsWith('.txt')) assert.deepEqual(readFileSync(join(store, 'nix/store', f)), readFileSync(join(nix.root, 'nix/store', f)), f);
    }
    assert.ok(ours.some((f) => f === drv.slice('/nix/store/'.length)));
    assert.ok(ours.some((f) => f.endsWith('-msg.txt')) && ours.some((f) => f.endsWith('-data')));
  });

  it('builds nothing the second time and prints the same paths', () => {
    const r = runTix(['build', '--store', join(dir, 'store'), '--argstr', 'greeting', 'hi', '--no-out-link'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /building/);
  });

  it('builds the outputs -A selects, linking result-OUTPUT as nix-build does', () => {
    const want = nix.ok('nix-build', [join(dir, 'default.nix'), '-A', 'doc', '--no-out-link', ...NIX_OPTS]).trim();
    const r = runTix(['build', '--store', join(dir, 'store'), '-A', 'doc', '-o', join(dir, 'r')], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString().trim(), want);
    assert.equal(readlinkSync(join(dir, 'r-doc')), want);
  });

  it('builds an -E expression with -A', () => {
    const expr = `{ x = derivation { name = "e"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo 42 > $out" ]; }; }`;
    const want = nix.ok('nix-build', ['-E', expr, '-A', 'x', '--no-out-link', ...NIX_OPTS]).trim();
    const r = runTix(['build', '--store', join(dir, 'store'), '-E', expr, '-A', 'x', '--no-out-link'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString().trim(), want);
  });

  it('reports an evaluation error as Nix does, with its position, and builds nothing', () => {
    const r = runTix(['build', '--store', join(dir, 'store'), '-E', 'let x = 1; in x + "a"', '--no-out-link'], { cwd: dir });
    const n = nix.run('nix-build', ['-E', 'let x = 1; in x + "a"', '--no-out-link']);
    assert.equal(r.status, 1);
    assert.notEqual(n.status, 0);
    assert.match(r.stderr, /error: cannot add a string to an integer/);
    assert.match(r.stderr, /at «string»:1:19:/);
  });
});
