/**
 * builtins.fetchurl, fetchTarball, fetchGit and fetchTree against Nix 2.8: the same
 * expression over the same local inputs (files, tarballs in every compression, a git
 * repository made here, a loopback HTTP server) prints the same store paths and attributes
 * under `nix-instantiate --eval --strict` and `tix instantiate --eval --strict`.
 * Where upstream Nix changed since 2.8 (fetchTree of a single file is NAR-hashed now;
 * dirty git trees report dirtyRev), the case says so and compares what both agree on.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAll } from '../../support/child.ts';
import { makeRepo, makeTarballs, makeTree } from '../../support/fetch-fixtures.ts';
import { type FileServer, startFileServer } from '../../support/file-server.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { runTix } from '../../support/tix-cli.ts';

describe('fetchers against nix-instantiate', { skip: NIX_SKIP }, () => {
  let dir: string;
  let nix: NixSandbox;
  let server: FileServer | undefined;
  let http: string;
  let revs: { first: string; second: string; feature: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tix-fetch-diff-'));
    makeTree(dir);
    makeTarballs(dir);
    writeFileSync(join(dir, 'hello.txt'), 'hello, world\n');
    revs = makeRepo(join(dir, 'repo'));
    nix = new NixSandbox();
    server = await startFileServer(dir);
    http = server.url;
  });
  after(() => {
    server?.stop();
    killAll();
    nix?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Both evaluators' stdout for `expr`, Nix with a private HOME (its fetcher caches). */
  function both(expr: string, features: string[] = []): { tix: string; nix: string } {
    const xp = features.length > 0 ? ['--extra-experimental-features', features.join(' ')] : [];
    const n = nix.run('nix-instantiate', ['--eval', '--strict', ...xp, '-E', expr], { env: { HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'home', '.cache') } });
    assert.equal(n.status, 0, `nix: ${n.stderr}`);
    const t = runTix(['instantiate', '--eval', '--strict', ...xp, '-E', expr]);
    assert.equal(t.status, 0, `tix: ${t.stderr}`);
    return { tix: t.stdout.toString(), nix: n.stdout.toString() };
  }

  function same(expr: string, features: string[] = []): string {
    const r = both(expr, features);
    assert.equal(r.tix, r.nix, expr);
    return r.tix;
  }

  const file = (name: string): string => `file://${join(dir, name)}`;

  it('fetchurl names a file:// download by its base name, flat sha256', () => {
    assert.match(same(`builtins.fetchurl "${file('hello.txt')}"`), /-hello\.txt"/);
  });

  it('fetchurl over http, with a name and a checked sha256, and after a redirect', () => {
    same(`builtins.fetchurl "${http}/hello.txt"`);
    same(`builtins.fetchurl { url = "${http}/hello.txt"; name = "greeting"; sha256 = "${sha256Of('hello, world\n')}"; }`);
    same(`builtins.fetchurl "${http}/redirect/hello.txt"`);
  });

  it('reads a fetched file during the same evaluation', () => {
    same(`builtins.readFile (builtins.fetchurl "${http}/hello.txt")`);
  });

  for (const name of ['pkg.tar', 'pkg.tar.gz', 'pkg.tar.xz', 'pkg.tar.bz2', 'pkg.tar.zst']) {
    it(`fetchTarball unpacks ${name} and strips its single top-level directory`, () => {
      assert.match(same(`builtins.fetchTarball "${file(name)}"`), /-source"/);
    });
  }

  it('fetchTarball over http with a name and sha256, and imports from the tree it unpacked', () => {
    const path = same(`builtins.fetchTarball "${http}/pkg.tar.gz"`).trim().slice(1, -1);
    const narHash = nix.ok('nix-hash', ['--type', 'sha256', '--base32', join(nix.root, path)]).trim();
    same(`builtins.fetchTarball { url = "${http}/pkg.tar.gz"; name = "pkg-src"; sha256 = "${narHash}"; }`);
    same(`import (builtins.fetchTarball "${http}/pkg.tar.xz") { x = 21; }`);
    same(`builtins.readDir (builtins.fetchTarball "${file('pkg.tar.bz2')}")`);
  });

  it('fetchGit of a clean local repository: the checked-out branch, with rev, revCount, lastModified, narHash', () => {
    const out = same(`builtins.fetchGit ${join(dir, 'repo')}`);
    assert.match(out, new RegExp(`rev = "${revs.second}"`));
    assert.match(out, /revCount = 2;/);
  });

  it('fetchGit with file:// URL, ref, rev and name', () => {
    same(`builtins.fetchGit { url = "${file('repo')}"; ref = "feature"; }`);
    same(`builtins.fetchGit { url = "${file('repo')}"; rev = "${revs.first}"; }`);
    same(`builtins.fetchGit { url = "${file('repo')}"; ref = "refs/heads/feature"; rev = "${revs.second}"; name = "repo-src"; }`);
    same(`(import (builtins.fetchGit ${join(dir, 'repo')})).answer`);
  });

  it('fetchTree of a tarball, a git repository and a path (fetch-tree / flakes)', () => {
    // Upstream reports a tarball's lastModified (its newest entry); Nix 2.8 did not.
    const t = both(`builtins.fetchTree { type = "tarball"; url = "${http}/pkg.tar.gz"; }`, ['flakes']);
    assert.equal(t.tix.replace(/lastModified = \d+; lastModifiedDate = "\d+"; /, ''), t.nix);
    assert.match(t.tix, /lastModified = \d+;/);
    // Upstream fetchTree is shallow by default (no revCount); Nix 2.8 was not: ask for the full history.
    same(`builtins.fetchTree { type = "git"; url = "${file('repo')}"; ref = "main"; shallow = false; }`, ['flakes']);
    same(`builtins.fetchTree { type = "path"; path = "${join(dir, 'pkg')}"; }`, ['flakes']);
  });

  it('fetchTree of a single file: NAR-hashed as upstream does (Nix 2.8 had no file input)', () => {
    const t = runTix(['instantiate', '--eval', '--strict', '--extra-experimental-features', 'fetch-tree', '-E', `builtins.fetchTree { type = "file"; url = "${http}/hello.txt"; }`]);
    assert.equal(t.status, 0, t.stderr);
    const path = same(`builtins.fetchurl "${http}/hello.txt"`).trim().slice(1, -1);
    const narHash = nix.ok('nix', ['hash', 'path', '--type', 'sha256', join(nix.root, path)]).trim();
    assert.match(t.stdout.toString(), new RegExp(`narHash = "${narHash.replace(/[+/]/g, '\\$&')}"; outPath = "/nix/store/[a-z0-9]{32}-source"`));
  });

  it('fetchGit of a dirty working tree uses the tracked files as they are, rev 000…', () => {
    writeFileSync(join(dir, 'repo', 'b.txt'), 'changed\n');
    writeFileSync(join(dir, 'repo', 'untracked.txt'), 'not tracked\n');
    try {
      const r = both(`builtins.fetchGit ${join(dir, 'repo')}`);
      // Upstream adds dirtyRev/dirtyShortRev, which Nix 2.8 did not have.
      const tix = r.tix.replace(/ dirtyRev = "[^"]*"; dirtyShortRev = "[^"]*";/, '');
      assert.equal(tix, r.nix);
      assert.match(r.tix, new RegExp(`dirtyRev = "${revs.second}-dirty"`));
      assert.match(r.tix, /rev = "0000000000000000000000000000000000000000"/);
    } finally {
      writeFileSync(join(dir, 'repo', 'b.txt'), 'b\n');
      rmSync(join(dir, 'repo', 'untracked.txt'));
    }
  });
});

function sha256Of(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
