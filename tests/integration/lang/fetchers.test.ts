/**
 * Fetchers end to end in tix alone: `tix build -E` of a derivation whose source is a
 * fetchTarball'd tree lands the tree and the output in a `--store` directory; the host
 * reads store paths of a chroot store from its real directory; and failures read as Nix's
 * (hash mismatch, download errors, not a git repository, bad arguments).
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { NodeEvalHost } from '../../../src/glue/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { makeRepo, makeTarballs, makeTree } from '../../support/fetch-fixtures.ts';
import { runTix } from '../../support/tix-cli.ts';

function evalTix(expr: string): { status: number | null; out: string; err: string } {
  const r = runTix(['instantiate', '--eval', '--strict', '--extra-experimental-features', 'fetch-tree', '-E', expr]);
  return { status: r.status, out: r.stdout.toString(), err: r.stderr };
}

describe('fetchers in tix', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tix-fetch-int-'));
    makeTree(dir);
    makeTarballs(dir);
    writeFileSync(join(dir, 'hello.txt'), 'hello, world\n');
    mkdirSync(join(dir, 'plain'));
    makeRepo(join(dir, 'repo'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('tix build -E builds a derivation from a fetchTarball source into a --store directory', { skip: BUILD_SKIP }, () => {
    const store = join(dir, 'store');
    const expr = `derivation {
      name = "uses-tarball";
      system = builtins.currentSystem;
      builder = "/bin/sh";
      src = builtins.fetchTarball "file://${dir}/pkg.tar.gz";
      args = [ "-c" "cat $src/msg.txt > $out; $src/sub/run.sh >> $out" ];
    }`;
    const r = runTix(['build', '--store', store, '--no-out-link', '-E', expr]);
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.toString().trim();
    assert.match(out, /^\/nix\/store\/[a-z0-9]{32}-uses-tarball$/);
    const real = join(store, out);
    assert.equal(readFileSync(real, 'utf8'), 'hello from a tarball\nrun\n');
    const names = readdirSync(join(store, 'nix', 'store'));
    assert.ok(names.some((n) => n.endsWith('-source')), names.join(' '));
    // The fetched tree is valid in the store: a second build finds everything in place.
    const again = runTix(['build', '--store', store, '--no-out-link', '-E', expr]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout.toString().trim(), out);
  });

  it('reads store paths of a chroot store from its real directory, and only then', () => {
    const real = join(dir, 'root', 'nix', 'store');
    mkdirSync(join(real, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x'), { recursive: true });
    writeFileSync(join(real, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x', 'f'), 'in the chroot store');
    const mapped = new NodeEvalHost({ nixPath: [], storeDir: '/nix/store', realStoreDir: real });
    assert.equal(mapped.readFile('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x/f'), 'in the chroot store');
    assert.equal(mapped.stat('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x'), 'directory');
    const plain = new NodeEvalHost({ nixPath: [], storeDir: '/nix/store' });
    assert.equal(plain.stat('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x'), undefined);
  });

  it('unpacks a zip archive, stripping its single top-level directory', () => {
    const zip = runZip(dir);
    if (zip === undefined) return;
    const fromZip = evalTix(`builtins.fetchTarball "file://${zip}"`);
    const fromTar = evalTix(`builtins.fetchTarball "file://${dir}/pkg.tar"`);
    assert.equal(fromZip.status, 0, fromZip.err);
    assert.match(fromZip.out, /-source"$/m);
    assert.equal(fromTar.status, 0, fromTar.err);
  });

  it('keeps a tarball with several top-level entries whole (upstream; Nix 2.8 refused it)', () => {
    const r = runSh('tar', ['-c', '-f', 'multi.tar', 'hello.txt', 'pkg'], dir);
    assert.equal(r, 0);
    const out = evalTix(`builtins.readDir (builtins.fetchTarball "file://${dir}/multi.tar")`);
    assert.equal(out.status, 0, out.err);
    assert.equal(out.out.trim(), '{ "hello.txt" = "regular"; pkg = "directory"; }');
  });

  const failures: [string, () => string, RegExp][] = [
    ['a wrong sha256 for fetchurl', () => `builtins.fetchurl { url = "file://${dir}/hello.txt"; sha256 = "0000000000000000000000000000000000000000000000000000"; }`, /hash mismatch in file downloaded from 'file:\/\/.*hello\.txt':\n\s+specified: sha256:0{52}\n\s+got:\s+sha256:[0-9a-z]{52}/],
    ['a wrong sha256 for fetchTarball', () => `builtins.fetchTarball { url = "file://${dir}/pkg.tar.gz"; sha256 = "0000000000000000000000000000000000000000000000000000"; }`, /NAR hash mismatch in input '.*pkg\.tar\.gz\?narHash=sha256-A+%3D', expected 'sha256-A+=' but got 'sha256-[A-Za-z0-9+/]+='/],
    ['a missing file:// file', () => `builtins.fetchurl "file://${dir}/nope"`, /unable to download 'file:\/\/.*\/nope': Couldn't read a file:\/\/ file \(37\)/],
    ['a directory that is not a git repository', () => `builtins.fetchGit ${dir}/plain`, /is not a Git repository/],
    ['an unknown fetchurl argument', () => `builtins.fetchurl { url = "file://${dir}/hello.txt"; hash = ""; }`, /unsupported argument 'hash' to 'fetchurl'/],
    ['fetchurl without url', () => `builtins.fetchurl { name = "x"; }`, /'url' argument required/],
    ['an invalid store path name', () => `builtins.fetchurl { url = "file://${dir}/hello.txt"; name = "a b"; }`, /invalid store path name when fetching URL '.*': name 'a b' contains illegal character ' '\. Please change the value for the 'name' attribute passed to 'fetchurl'/],
    ['a name given to fetchTree', () => `builtins.fetchTree { type = "path"; path = "${dir}"; name = "x"; }`, /argument 'name' isn.t supported in call to 'fetchTree'/],
    ['an unknown git ref', () => `builtins.fetchGit { url = "${dir}/repo"; ref = "nope"; }`, /resolving Git reference 'refs\/heads\/nope'/],
  ];
  for (const [what, expr, re] of failures) {
    it(`fails cleanly on ${what}`, () => {
      const r = evalTix(expr());
      assert.notEqual(r.status, 0);
      assert.match(r.err, re);
    });
  }
});

function runSh(cmd: string, args: string[], cwd: string): number | null {
  return spawnSync(cmd, args, { cwd, stdio: 'ignore' }).status;
}

/** pkg.zip made with `zip` when it is installed (else the case is vacuous and says so). */
function runZip(dir: string): string | undefined {
  const st = runSh('zip', ['-q', '-r', '-y', 'pkg.zip', 'pkg'], dir);
  return st === 0 ? join(dir, 'pkg.zip') : undefined;
}
