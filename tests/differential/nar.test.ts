/**
 * NAR, NAR hash, content-addressed store paths, restore and the `tix nar` / `tix hash`
 * commands against Nix 2.8 on the same generated trees.
 */

import { strict as assert } from 'node:assert';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { StoreDir } from '../../src/store/index.ts';
import { dumpPath, hashFile, hashPath } from '../../src/store/local/index.ts';
import { NIX_SKIP, NixSandbox } from '../support/nix.ts';
import { build, collectBytes, dir, dirNode, file, fileNode, link, MAGIC, plain, readTree, type Tree, treeArb, writeTree } from '../support/nar.ts';
import { runTix } from '../support/tix-cli.ts';

const skip = NIX_SKIP;
let nix: NixSandbox;
let tmp: string;
const store = new StoreDir();

function deep(levels: number): Tree {
  let t: Tree = file('bottom');
  for (let i = levels; i > 0; i--) t = dir({ [`level-${i}`]: t, [`f${i}`]: file(String(i)) });
  return t;
}

const bigBytes = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 131) >> 3);

/** The generated corpus: name → tree. */
const corpus: Record<string, Tree> = {
  'empty-file': file(''),
  'one-byte': file('x'),
  'eight-bytes': file('12345678'),
  executable: file('#!/bin/sh\necho hi\n', true),
  'empty-executable': file('', true),
  'symlink-relative': link('some/where'),
  'symlink-absolute': link('/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x'),
  'empty-dir': dir(),
  'mixed-dir': dir({
    B: file('upper'),
    a: file('lower', true),
    _: file('under'),
    '-': link('a'),
    '10': file('ten'),
    '9': file('nine'),
    sub: dir({ inner: file('i'), dangling: link('../nope') }),
  }),
  unicode: dir({ 'é': file('e-acute'), '日本語': file('nihongo'), '😀 smile': link('é'), 'ü.txt': dir({ 'ß': file('') }) }),
  deep: deep(40),
  'big-file': file(bigBytes),
  'big-in-dir': dir({ big: file(bigBytes, true), small: file('s') }),
};

before(() => {
  if (skip) return;
  nix = new NixSandbox();
  tmp = mkdtempSync(join(tmpdir(), 'tix-nar-diff-'));
  for (const [name, tree] of Object.entries(corpus)) writeTree(join(tmp, name), tree);
  // A name that is not valid UTF-8.
  mkdirSync(join(tmp, 'latin1-name'));
  writeFileSync(Buffer.concat([Buffer.from(join(tmp, 'latin1-name') + '/'), Buffer.from([0x63, 0x61, 0x66, 0xe9])]), 'caf\xe9');
});
after(() => {
  nix?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const names = (): string[] => [...Object.keys(corpus), 'latin1-name'];

const dumpBytes = async (path: string): Promise<Buffer> => collectBytes(dumpPath(path));

let counter = 0;

describe('NAR serialisation vs nix-store --dump', { skip }, () => {
  it('gives the same bytes for every tree of the corpus', async () => {
    for (const name of names()) {
      const p = join(tmp, name);
      const theirs = nix.run('nix-store', ['--dump', p]).stdout;
      assert.ok((await dumpBytes(p)).equals(theirs), name);
    }
  });

  it('gives the same bytes for random trees', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb(3), async (tree) => {
        const p = join(tmp, `random-${counter++}`);
        writeTree(p, tree);
        assert.ok((await dumpBytes(p)).equals(nix.run('nix-store', ['--dump', p]).stdout));
      }),
      { numRuns: 15 },
    );
  });
});

describe('NAR hash vs nix-hash', { skip }, () => {
  it('gives the same sha256 (base16 and base32) for every tree', async () => {
    for (const name of names()) {
      const p = join(tmp, name);
      const { hash } = await hashPath(p, 'sha256');
      assert.equal(hash.base16, nix.ok('nix-hash', ['--type', 'sha256', p]).trim(), name);
      assert.equal(hash.nix32, nix.ok('nix-hash', ['--type', 'sha256', '--base32', p]).trim(), name);
    }
  });

  it('gives the same hash with the other algorithms', async () => {
    for (const algo of ['md5', 'sha1', 'sha512'] as const) {
      const p = join(tmp, 'mixed-dir');
      assert.equal((await hashPath(p, algo)).hash.base16, nix.ok('nix-hash', ['--type', algo, p]).trim(), algo);
    }
  });
});

describe('content-addressed store paths vs nix-store --add / --add-fixed', { skip }, () => {
  const paths = ['mixed-dir', 'executable', 'symlink-relative', 'unicode', 'big-file'];

  it('gives the path of nix-store --add (recursive sha256)', async () => {
    for (const name of paths) {
      const p = join(tmp, name);
      const ours = store.makeFixedOutputPath(basename(p), 'nar', (await hashPath(p, 'sha256')).hash);
      assert.equal(store.printPath(ours), nix.ok('nix-store', ['--add', p]).trim(), name);
    }
  });

  it('gives the path of nix-store --add-fixed --recursive for sha1, sha256 and sha512', async () => {
    for (const algo of ['sha1', 'sha256', 'sha512'] as const) {
      for (const name of ['mixed-dir', 'executable']) {
        const p = join(tmp, name);
        const ours = store.makeFixedOutputPath(name, 'nar', (await hashPath(p, algo)).hash);
        assert.equal(store.printPath(ours), nix.ok('nix-store', ['--add-fixed', '--recursive', algo, p]).trim(), `${algo} ${name}`);
      }
    }
  });

  it('gives the path of nix-store --add-fixed (flat) for sha1, sha256 and sha512', () => {
    for (const algo of ['sha1', 'sha256', 'sha512'] as const) {
      for (const name of ['executable', 'big-file', 'empty-file']) {
        const p = join(tmp, name);
        const ours = store.makeFixedOutputPath(name, 'flat', hashFile(p, algo));
        assert.equal(store.printPath(ours), nix.ok('nix-store', ['--add-fixed', algo, p]).trim(), `${algo} ${name}`);
      }
    }
  });
});

/** A copy of `b` with one byte changed. */
function withByte(b: Uint8Array, at: number, value: number): Uint8Array {
  const c = b.slice();
  c[at] = value;
  return c;
}

/** Tree, with the permission bits of every object, for comparing two restores. */
function snapshot(path: string): unknown {
  const st = lstatSync(path);
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) return { mode, entries: readdirSync(path).sort().map((n) => [n, snapshot(join(path, n))]) };
  return { mode, tree: plain(readTree(path)) };
}

describe('tix nar restore vs nix-store --restore', { skip }, () => {
  it('creates the same tree, modes included', () => {
    for (const name of ['mixed-dir', 'unicode', 'big-in-dir', 'executable', 'symlink-absolute', 'deep']) {
      const nar = nix.run('nix-store', ['--dump', join(tmp, name)]).stdout;
      const theirs = join(tmp, `restored-nix-${name}`);
      const ours = join(tmp, `restored-tix-${name}`);
      assert.equal(nix.run('nix-store', ['--restore', theirs], { input: nar }).status, 0);
      const r = runTix(['nar', 'restore', ours], { input: nar });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(snapshot(ours), snapshot(theirs), name);
    }
  });

  const malformed: [string, Uint8Array][] = [
    ['an entry named ".."', build([MAGIC, ...dirNode([['..', fileNode('1')]])])],
    ['a truncated NAR', build([MAGIC, ...fileNode('hello')]).subarray(0, 100)],
    ['non-zero padding', withByte(build([MAGIC, ...fileNode('')]), 33, 1)],
  ];
  for (const [what, nar] of malformed) {
    it(`fails like Nix on ${what}`, () => {
      const theirs = nix.run('nix-store', ['--restore', join(tmp, `bad-nix-${what}`)], { input: nar });
      const ours = runTix(['nar', 'restore', join(tmp, `bad-tix-${what}`)], { input: nar });
      assert.notEqual(theirs.status, 0);
      assert.notEqual(ours.status, 0);
      assert.match(ours.stderr, /^error: bad archive: /);
    });
  }

  it('rejects unsorted entries, which upstream Nix rejects (Nix 2.8 restores them)', () => {
    const nar = build([MAGIC, ...dirNode([['b', fileNode('1')], ['a', fileNode('2')]])]);
    const ours = runTix(['nar', 'restore', join(tmp, 'bad-tix-unsorted')], { input: nar });
    assert.notEqual(ours.status, 0);
    assert.match(ours.stderr, /NAR directory is not sorted/);
  });
});

describe('tix commands vs nix commands', { skip }, () => {
  const nixCmd = (args: string[]) => nix.ok('nix', ['--extra-experimental-features', 'nix-command', ...args]);
  const tix = (args: string[], input?: Uint8Array) => {
    const r = runTix(args, { input });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.toString();
  };

  it('tix nar dump writes what nix-store --dump writes', () => {
    const p = join(tmp, 'mixed-dir');
    assert.ok(runTix(['nar', 'dump', p]).stdout.equals(nix.run('nix-store', ['--dump', p]).stdout));
  });

  it('tix hash path prints what nix hash path prints, in every format', () => {
    const ps = ['mixed-dir', 'unicode', 'executable'].map((n) => join(tmp, n));
    for (const flags of [[], ['--base16'], ['--base32', '--type', 'sha1'], ['--base64', '--type', 'sha512'], ['--sri', '--type', 'md5']]) {
      assert.equal(tix(['hash', 'path', ...flags, ...ps]), nixCmd(['hash', 'path', ...flags, ...ps]), flags.join(' '));
    }
  });

  it('tix hash file prints what nix hash file prints', () => {
    const ps = ['executable', 'empty-file'].map((n) => join(tmp, n));
    for (const flags of [[], ['--base32'], ['--base16', '--type', 'sha512']]) {
      assert.equal(tix(['hash', 'file', ...flags, ...ps]), nixCmd(['hash', 'file', ...flags, ...ps]), flags.join(' '));
    }
  });

  it('tix hash convert prints what nix hash to-* prints', () => {
    const h = 'sha256-AXSHOFdjETOAgnAdc9ELtgyb3weSz9NfhefakcIcAc0=';
    const b16 = '800d59cfcd3c05e900cb4e214be48f6b886a08df';
    assert.equal(tix(['hash', 'convert', '--to', 'nix32', h]), nixCmd(['hash', 'to-base32', h]));
    assert.equal(tix(['hash', 'convert', '--to', 'base16', h]), nixCmd(['hash', 'to-base16', h]));
    assert.equal(tix(['hash', 'convert', '--hash-algo', 'sha1', b16]), nixCmd(['hash', 'to-sri', '--type', 'sha1', b16]));
    assert.equal(tix(['hash', 'convert', '--hash-algo', 'sha1', '--to', 'base64', b16]), nixCmd(['hash', 'to-base64', '--type', 'sha1', b16]));
  });

  it('tix nar ls lists what nix nar ls lists', () => {
    const p = join(tmp, 'mixed-dir');
    const narFile = join(tmp, 'mixed-dir.nar');
    writeFileSync(narFile, nix.run('nix-store', ['--dump', p]).stdout);
    const nar = readFileSync(narFile);
    for (const [flags, path] of [[['-R'], '/'], [['-lR'], '/'], [['-l'], '/sub'], [['--json'], '/'], [['--json', '-R'], '/'], [['-l'], '/-'], [['-d'], '/sub']] as const) {
      const theirs = nixCmd(['nar', 'ls', ...flags, narFile, path]);
      // Nix 2.8 prints --json without a final newline; upstream Nix and tix end the line.
      assert.equal(tix(['nar', 'ls', ...flags, path], nar).trimEnd(), theirs.trimEnd(), `${flags.join(' ')} ${path}`);
    }
  });
});
