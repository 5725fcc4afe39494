/**
 * `tix store` against Nix 2.8 on the same inputs: the same store paths from `add`
 * (recursive and flat, several hash algorithms), the same path-info fields, the same
 * NAR from `dump`, and NARs moving from Nix's store into tix's.
 */

import { strict as assert } from 'node:assert';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { disposeAll, makeSourceTree, openTempStore, tempDir } from '../../support/temp-store.ts';
import { runTix } from '../../support/tix-cli.ts';

const sandboxes: NixSandbox[] = [];
after(() => {
  for (const s of sandboxes) s.dispose();
  disposeAll();
});

function nix(): NixSandbox {
  const s = new NixSandbox();
  sandboxes.push(s);
  return s;
}

const hermetic = () => {
  const conf = join(tempDir(), 'tix.conf');
  writeFileSync(conf, '');
  return { TIX_CONF: conf };
};

function tix(store: string, args: string[], input?: Uint8Array) {
  const r = runTix([...args, '--store', store], { env: hermetic(), ...(input ? { input } : {}) });
  assert.equal(r.status, 0, `tix ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface NixInfo {
  path: string;
  narHash: string;
  narSize: number;
  references: string[];
  ca?: string;
}

function nixPathInfo(n: NixSandbox, path: string): NixInfo {
  const out = JSON.parse(n.ok('nix', ['path-info', '--json', path])) as NixInfo[] | Record<string, NixInfo>;
  return Array.isArray(out) ? out[0]! : { ...out[path]!, path };
}

function srcFile(contents: string | Buffer, executable = false): string {
  const f = join(tempDir(), 'file.bin');
  writeFileSync(f, contents);
  if (executable) chmodSync(f, 0o755);
  return f;
}

const cases: { name: string; src: () => string; nixArgs: (src: string) => string[]; tixArgs: (src: string) => string[] }[] = [
  { name: 'a tree, recursive sha256 (nix-store --add)', src: () => makeSourceTree('diff'), nixArgs: (s) => ['--add', s], tixArgs: (s) => ['store', 'add', s] },
  { name: 'a single file, recursive sha256', src: () => srcFile('one file\n'), nixArgs: (s) => ['--add', s], tixArgs: (s) => ['store', 'add', s] },
  { name: 'an executable file, recursive sha256', src: () => srcFile('#!/bin/sh\n', true), nixArgs: (s) => ['--add', s], tixArgs: (s) => ['store', 'add-path', s] },
  { name: 'a file, flat sha256 (--add-fixed)', src: () => srcFile(Buffer.from([0, 1, 2, 255])), nixArgs: (s) => ['--add-fixed', 'sha256', s], tixArgs: (s) => ['store', 'add', '--mode', 'flat', s] },
  { name: 'a file, flat sha1', src: () => srcFile('sha1 me'), nixArgs: (s) => ['--add-fixed', 'sha1', s], tixArgs: (s) => ['store', 'add-file', '--hash-algo', 'sha1', s] },
  { name: 'a file, flat md5', src: () => srcFile('md5 me'), nixArgs: (s) => ['--add-fixed', 'md5', s], tixArgs: (s) => ['store', 'add', '--mode', 'flat', '--hash-algo', 'md5', s] },
  { name: 'a tree, recursive sha512', src: () => makeSourceTree('sha512'), nixArgs: (s) => ['--add-fixed', '--recursive', 'sha512', s], tixArgs: (s) => ['store', 'add', '--hash-algo', 'sha512', s] },
  { name: 'an empty file, flat sha256', src: () => srcFile(''), nixArgs: (s) => ['--add-fixed', 'sha256', s], tixArgs: (s) => ['store', 'add', '--mode', 'flat', s] },
];

describe('tix store add versus nix-store --add', { skip: NIX_SKIP }, () => {
  for (const c of cases) {
    it(`gives Nix's path, path info and NAR for ${c.name}`, () => {
      const n = nix();
      const store = tempDir('tix-diff-store-');
      const src = c.src();
      const nixPath = n.ok('nix-store', c.nixArgs(src)).trim();
      const tixPath = tix(store, c.tixArgs(src)).toString().trim();
      assert.equal(tixPath, nixPath);

      const ni = nixPathInfo(n, nixPath);
      const ti = (JSON.parse(tix(store, ['store', 'path-info', '--json', tixPath]).toString()) as Record<string, NixInfo>)[tixPath]!;
      assert.equal(ti.narHash, ni.narHash);
      assert.equal(ti.narSize, ni.narSize);
      assert.deepEqual(ti.references, ni.references);
      assert.equal(ti.ca, ni.ca);

      const nixNar = n.run('nix-store', ['--dump', n.root + nixPath]).stdout;
      assert.ok(tix(store, ['store', 'dump', tixPath]).equals(nixNar), 'tix store dump differs from nix-store --dump');
    });
  }
});

describe('text paths versus builtins.toFile', { skip: NIX_SKIP }, () => {
  it('makes the path Nix makes for a text file with a reference', async () => {
    const n = nix();
    const dep = n.ok('nix-store', ['--add', makeSourceTree('dep')]).trim();
    const expr = `builtins.toFile "notes.txt" "uses \${builtins.storePath ${dep}}"`;
    const nixPath = JSON.parse(n.ok('nix-instantiate', ['--eval', '--json', '--read-write-mode', '-E', expr])) as string;
    const store = await openTempStore();
    try {
      const depInfo = await store.addToStore(makeSourceTree('dep'));
      assert.equal(store.printPath(depInfo.path), dep);
      const info = await store.addTextToStore('notes.txt', `uses ${dep}`, [depInfo.path]);
      assert.equal(store.printPath(info.path), nixPath);
      const ni = nixPathInfo(n, nixPath);
      assert.equal(info.narHash.sri, ni.narHash);
      assert.equal(info.narSize, ni.narSize);
      assert.deepEqual(info.references.map((r) => store.printPath(r)), ni.references);
    } finally {
      await store.close();
    }
  });
});

describe('NARs from Nix restored into tix', { skip: NIX_SKIP }, () => {
  it('registers a path dumped by nix-store with its NAR hash, and rejects a wrong hash', () => {
    const n = nix();
    const store = tempDir('tix-diff-restore-');
    const path = n.ok('nix-store', ['--add', makeSourceTree('restore')]).trim();
    const ni = nixPathInfo(n, path);
    const nar = n.run('nix-store', ['--dump', n.root + path]).stdout;
    const wrong = runTix(['store', 'restore', '--store', store, path, '--nar-hash', 'sha256-' + Buffer.alloc(32).toString('base64')], { env: hermetic(), input: nar });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /hash mismatch importing path/);
    tix(store, ['store', 'restore', path, '--nar-hash', ni.narHash], nar);
    const ti = (JSON.parse(tix(store, ['store', 'path-info', '--json', path]).toString()) as Record<string, NixInfo>)[path]!;
    assert.equal(ti.narHash, ni.narHash);
    assert.ok(tix(store, ['store', 'dump', path]).equals(nar));
    tix(store, ['store', 'verify', '--all', '--check-contents']);
  });
});
