/**
 * Real Nix's own store as a source: `tix realise` of a `.drv` that Nix 2.8's
 * `nix-instantiate` wrote into its store reads the derivation closure straight from that
 * store (`nix-store-root`), with no binary cache between them, and builds the same output
 * path as Nix. `local?root=DIR` in `substituters` offers Nix's built outputs under the
 * usual trust rules. A `.drv` changed behind Nix's back is refused.
 */

import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { StoreDir } from '../../../src/store/index.ts';
import { NixLocalStoreSubstituter, parseNixLocalStoreUri } from '../../../src/substitute/nix-local-store.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { runTix } from '../../support/tix-cli.ts';

const SKIP = NIX_SKIP || BUILD_SKIP;

const EXPR = `
let
  mk = name: script: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; };
  script = builtins.toFile "make-leaf.sh" "echo leaf > $out";
  leaf = derivation { name = "leaf"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ script ]; };
in mk "top" "mkdir $out; cat \${leaf} > $out/leaf; cat \${./input.txt} > $out/input"
`;

describe('parseNixLocalStoreUri()', () => {
  const cases: [string, string | undefined][] = [
    ['local', '/'],
    ['local?root=/srv/nix', '/srv/nix'],
    ['local?trusted=1&root=/srv/nix', '/srv/nix'],
    ['/srv/nix', '/srv/nix'],
    ['/srv/nix?priority=5', '/srv/nix'],
    ['file:///srv/cache', undefined],
    ['localhost', undefined],
  ];
  for (const [uri, root] of cases) it(`reads '${uri}' as ${root === undefined ? 'not a local store' : `root '${root}'`}`, () => assert.equal(parseNixLocalStoreUri(uri)?.root, root));
});

describe('NixLocalStoreSubstituter.open()', () => {
  it('fails with the database file named when it is not a Nix database', () => {
    const root = mkdtempSync(join(tmpdir(), 'tix-bad-nix-db-'));
    try {
      mkdirSync(join(root, 'nix/var/nix/db'), { recursive: true });
      writeFileSync(join(root, 'nix/var/nix/db/db.sqlite'), 'this is not SQLite\n'.repeat(100));
      assert.throws(() => NixLocalStoreSubstituter.open('local', root, new StoreDir()), (e: Error) => e.message.includes(`cannot read Nix's database '${root}/nix/var/nix/db/db.sqlite'`));
      assert.throws(() => NixLocalStoreSubstituter.open('local', join(root, 'none'), new StoreDir()), /no Nix database at/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('makes a realise with a broken Nix database warn and go on', () => {
    const root = mkdtempSync(join(tmpdir(), 'tix-bad-nix-db-'));
    try {
      mkdirSync(join(root, 'nix/var/nix/db'), { recursive: true });
      writeFileSync(join(root, 'nix/var/nix/db/db.sqlite'), 'garbage');
      const r = runTix(['realise', '/nix/store/00000000000000000000000000000000-x.drv', '--store', join(root, 'tix'), '--option', 'nix-store-root', root]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /warning: not reading Nix's store at '.*': cannot read Nix's database/);
      assert.match(r.stderr, /is not valid/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("tix realise of a .drv in Nix's own store", { skip: SKIP }, () => {
  let nix: NixSandbox;
  let work: string;
  let drv: string;
  let nixOut: string;
  const common = ['--option', 'sandbox-paths', '/bin/sh=/bin/busybox', '-Q'];

  before(() => {
    nix = new NixSandbox();
    work = mkdtempSync(join(tmpdir(), 'tix-nix-local-'));
    writeFileSync(join(work, 'default.nix'), EXPR);
    writeFileSync(join(work, 'input.txt'), 'from the source tree\n');
    drv = nix.ok('nix-instantiate', [join(work, 'default.nix')]).trim();
    nixOut = nix.ok('nix-store', ['--realise', drv, '--option', 'sandbox', 'true', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox']).trim();
  });

  after(() => {
    rmSync(work, { recursive: true, force: true });
    nix?.dispose();
  });

  it('takes the derivation closure from Nix\'s store and builds Nix\'s output path', () => {
    const store = join(work, 'tix-a');
    const r = runTix(['realise', drv, '--store', store, '--option', 'nix-store-root', nix.root, ...common]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(String(r.stdout).trim(), nixOut);
    assert.match(r.stderr, new RegExp(`copying path '${drv}' from 'local\\?root=`));
    // The same .drv bytes, and the built output holds what Nix's holds.
    const rel = drv.slice(1);
    assert.deepEqual(readFileSync(join(store, rel)), readFileSync(join(nix.root, rel)));
    assert.equal(readFileSync(join(store, nixOut.slice(1), 'input'), 'utf8'), 'from the source tree\n');
    assert.equal(readFileSync(join(store, nixOut.slice(1), 'leaf'), 'utf8'), 'leaf\n');
  });

  it('does not read Nix\'s store when nix-store-root is empty', () => {
    const r = runTix(['realise', drv, '--store', join(work, 'tix-b'), '--option', 'nix-store-root', '', ...common]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /is not valid/);
  });

  it("offers Nix's unsigned outputs only from a trusted local?root= substituter", () => {
    const untrusted = runTix(['realise', nixOut, '--store', join(work, 'tix-c'), '--option', 'substituters', `local?root=${nix.root}`, ...common]);
    assert.notEqual(untrusted.status, 0);
    assert.match(untrusted.stderr, /ignoring substitute for '.*-top' from 'local\?root=.*': .*sign/);
    const trusted = runTix(['realise', nixOut, '--store', join(work, 'tix-c'), '--option', 'substituters', `local?root=${nix.root}&trusted=1`, ...common]);
    assert.equal(trusted.status, 0, trusted.stderr);
    assert.equal(String(trusted.stdout).trim(), nixOut);
    assert.doesNotMatch(trusted.stderr, /building/);
  });

  it('refuses a .drv whose bytes no longer match its path, and keeps nothing of it', () => {
    const file = join(nix.root, drv.slice(1));
    const original = readFileSync(file);
    chmodSync(file, 0o644);
    try {
      writeFileSync(file, original.toString('latin1').replace('mkdir $out;', 'touch $out;'), 'latin1');
      const store = join(work, 'tix-d');
      const r = runTix(['realise', drv, '--store', store, '--option', 'nix-store-root', nix.root, ...common]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /hash mismatch importing path/);
      assert.notEqual(runTix(['store', 'path-info', drv, '--store', store]).status, 0);

      // The database lies too, with the NAR hash of the changed file: its content address
      // still proves the path, but the contents do not match the content address.
      const db = new DatabaseSync(join(nix.root, 'nix/var/nix/db/db.sqlite'));
      const oldHash = (db.prepare('SELECT hash FROM ValidPaths WHERE path = ?').get(drv) as { hash: string }).hash;
      db.prepare('UPDATE ValidPaths SET hash = ? WHERE path = ?').run(`sha256:${nix.ok('nix-hash', ['--type', 'sha256', file]).trim()}`, drv);
      try {
        const lied = runTix(['realise', drv, '--store', store, '--option', 'nix-store-root', nix.root, ...common]);
        assert.notEqual(lied.status, 0);
        assert.match(lied.stderr, /ca hash mismatch importing path '.*-top\.drv'/);
        assert.notEqual(runTix(['store', 'path-info', drv, '--store', store]).status, 0);
      } finally {
        db.prepare('UPDATE ValidPaths SET hash = ? WHERE path = ?').run(oldHash, drv);
        db.close();
      }
    } finally {
      writeFileSync(file, original);
      chmodSync(file, 0o444);
    }
  });
});
