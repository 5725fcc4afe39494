import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { hashBytes } from '../../../../src/hash/index.ts';
import { narBytes, RefScanner } from '../../../../src/store/index.ts';
import { makeWritable } from '../../../../src/store/local/canonicalise.ts';
import { canonicalisePath, dumpPath, FsRestoreSink, hashFile, hashPath, restorePath } from '../../../../src/store/local/index.ts';
import { build, collectBytes, dir, dirNode, file, fileNode, link, MAGIC, plain, readTree, symlinkPieces, treeArb, treeNode, writeTree } from '../../../support/nar.ts';

let tmp: string;
let counter = 0;
const fresh = (): string => join(tmp, `t${counter++}`);

// async, so that dumpPath's immediate throw (a missing path) comes back as a rejection.
const dumpBytes = async (path: string | Buffer): Promise<Buffer> => collectBytes(dumpPath(path));

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tix-nar-fs-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('dumpPath()', () => {
  it('serialises a directory tree as the writer does an in-memory one', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb(3), async (tree) => {
        const p = fresh();
        writeTree(p, tree);
        assert.ok((await dumpBytes(p)).equals(narBytes(treeNode(tree))));
      }),
      { numRuns: 40 },
    );
  });

  it('reads a multi-MiB file in chunks, and a file of exactly the chunk size', async () => {
    const p = fresh();
    const big = new Uint8Array(2.5 * 1024 * 1024 + 3).map((_, i) => (i * 31) & 0xff);
    const exact = new Uint8Array(1 << 20).fill(7);
    writeTree(p, dir({ big: file(big, true), exact: file(exact) }));
    assert.ok((await dumpBytes(p)).equals(narBytes(treeNode(dir({ big: file(big, true), exact: file(exact) })))));
  });

  it('keeps a name that is not valid UTF-8 as bytes', async () => {
    const p = fresh();
    mkdirSync(p);
    const name = Buffer.from([0x66, 0xff, 0x6f]);
    writeFileSync(Buffer.concat([Buffer.from(p + '/'), name]), 'x');
    const nar = await dumpBytes(p);
    assert.ok(nar.equals(build([MAGIC, ...dirNode([[name, fileNode('x')]])])));
  });

  it('refuses a FIFO as Nix does', async () => {
    const p = fresh();
    mkdirSync(p);
    const r = spawnSync('mkfifo', [join(p, 'fifo')]);
    assert.equal(r.status, 0);
    await assert.rejects(dumpBytes(p), { code: 'E_NAR_UNSUPPORTED_TYPE', message: `file '${p}/fifo' has an unsupported type` });
  });

  it("reports a missing path in Nix's words", async () => {
    const p = join(tmp, 'missing');
    await assert.rejects(dumpBytes(p), { code: 'E_SYS', errno: 'ENOENT', message: `getting status of '${p}': No such file or directory` });
    assert.throws(() => hashFile(p), { code: 'E_SYS', message: `opening file '${p}': No such file or directory` });
  });

  it('refuses a socket as Nix does', async () => {
    const p = fresh();
    mkdirSync(p);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(p, 'sock'), resolve));
    try {
      await assert.rejects(dumpBytes(join(p, 'sock')), { code: 'E_NAR_UNSUPPORTED_TYPE' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('hashPath()', () => {
  it('gives the hash and size of the dumped NAR, for small and multi-MiB files', async () => {
    const p = fresh();
    writeTree(p, dir({ small: file('abc'), big: file(new Uint8Array(3 << 20).fill(1)), l: link('small') }));
    const nar = await dumpBytes(p);
    for (const algo of ['sha256', 'sha1', 'sha512', 'md5'] as const) {
      const r = await hashPath(p, algo);
      assert.equal(r.narSize, nar.length);
      assert.ok(r.hash.equals(hashBytes(algo, nar)), algo);
    }
  });

  it('scans for references in the same pass', async () => {
    const p = fresh();
    const h1 = 'ahkjshd5rc9s3jcsy5b2r2cq2v96l2hs';
    const h2 = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';
    writeTree(p, dir({ bin: file(`#!/nix/store/${h1}-bash/bin/sh`), lib: link(`/nix/store/${h2}-glibc`) }));
    const scanner = new RefScanner([h1, h2, '00000000000000000000000000000000']);
    await hashPath(p, 'sha256', { scanner });
    assert.deepEqual([...scanner.found].sort(), [h1, h2]);
  });
});

describe('hashFile()', () => {
  it('hashes the contents, following a symlink', () => {
    const p = fresh();
    writeTree(p, dir({ f: file('hello'), l: link('f') }));
    assert.equal(hashFile(join(p, 'l'), 'sha256').base16, hashBytes('sha256', 'hello').base16);
  });
});

describe('restorePath()', () => {
  it('restores a tree, and dumping it again gives the same NAR', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb(3), async (tree) => {
        const nar = narBytes(treeNode(tree));
        const p = fresh();
        const r = await restorePath(p, [nar], { hashAlgo: 'sha256' });
        assert.equal(r.narSize, nar.length);
        assert.ok(r.hash!.equals(hashBytes('sha256', nar)));
        assert.deepEqual(plain(readTree(p)), plain(tree));
        assert.ok((await dumpBytes(p)).equals(nar));
      }),
      { numRuns: 40 },
    );
  });

  it('sets the execute bits of executables on top of the umask-given mode', async () => {
    const p = fresh();
    await restorePath(p, [narBytes(treeNode(dir({ x: file('#!', true), r: file('') })))]);
    const umask = process.umask(0o022);
    process.umask(umask);
    assert.equal(lstatSync(join(p, 'x')).mode & 0o777, (0o666 & ~umask) | 0o111);
    assert.equal(lstatSync(join(p, 'r')).mode & 0o777, 0o666 & ~umask);
  });

  it('with canonical, creates files with their store modes and mtime, leaving them for canonicalisePath() unchanged', async () => {
    const p = fresh();
    const nar = narBytes(treeNode(dir({ x: file('#!', true), r: file('data'), d: dir({ e: file('') }) })));
    const r = await restorePath(p, [nar], { hashAlgo: 'sha256', canonical: true });
    assert.ok(r.hash!.equals(hashBytes('sha256', nar)));
    const files = [['x', 0o555], ['r', 0o444], ['d/e', 0o444]] as const;
    const before = files.map(([f]) => lstatSync(join(p, f), { bigint: true }));
    for (const [i, [f, mode]] of files.entries()) {
      assert.equal(Number(before[i]!.mode) & 0o7777, mode, f);
      assert.equal(before[i]!.mtimeMs, 1000n, f);
    }
    canonicalisePath(p);
    // Nothing left to change: not even the ctime moved.
    for (const [i, [f]] of files.entries()) assert.equal(lstatSync(join(p, f), { bigint: true }).ctimeNs, before[i]!.ctimeNs, f);
    assert.ok((await dumpBytes(p)).equals(nar));
    makeWritable(p);
  });

  it('restores a name that is not valid UTF-8', async () => {
    const p = fresh();
    const name = Buffer.from([0xfe, 0x41]);
    await restorePath(p, [build([MAGIC, ...dirNode([[name, fileNode('z')]])])]);
    assert.deepEqual(readdirSync(p, { encoding: 'buffer' }), [name]);
  });
});

describe('restorePath() safety', () => {
  /** A directory next to the target that nothing may touch. */
  function setup(): { target: string; outside: string } {
    const base = fresh();
    mkdirSync(base);
    const outside = join(base, 'outside');
    mkdirSync(outside);
    return { target: join(base, 'target'), outside };
  }

  it('refuses a target that already exists', async () => {
    const { outside } = setup();
    await assert.rejects(restorePath(outside, [narBytes(treeNode(file('x')))]), { code: 'E_RESTORE_EXISTS' });
    assert.deepEqual(readdirSync(outside), []);
  });

  it('refuses a target that is a symlink, even a dangling one, and writes nothing through it', async () => {
    const { target, outside } = setup();
    symlinkSync(join(outside, 'new'), target);
    await assert.rejects(restorePath(target, [narBytes(treeNode(dir({ f: file('x') })))]), { code: 'E_RESTORE_EXISTS' });
    await assert.rejects(restorePath(target, [narBytes(treeNode(file('x')))]), { code: 'E_RESTORE_EXISTS' });
    assert.deepEqual(readdirSync(outside), []);
  });

  it('rejects an entry named ".." before writing it', async () => {
    const { target, outside } = setup();
    const nar = build([MAGIC, ...dirNode([['..', dirNode([['outside', dirNode([['pwned', fileNode('x')]])]])]])]);
    await assert.rejects(restorePath(target, [nar]), { code: 'E_NAR_NAME' });
    assert.deepEqual(readdirSync(outside), []);
  });

  it('rejects a name with a slash before writing it', async () => {
    const { target, outside } = setup();
    const nar = build([MAGIC, ...dirNode([['../outside/pwned', fileNode('x')]])]);
    await assert.rejects(restorePath(target, [nar]), { code: 'E_NAR_NAME' });
    assert.deepEqual(readdirSync(outside), []);
  });

  it('rejects a symlink followed by a directory of the same name, so nothing goes through the link', async () => {
    const { target, outside } = setup();
    const nar = build([MAGIC, ...dirNode([['a', symlinkPieces(outside)], ['a', dirNode([['pwned', fileNode('x')]])]])]);
    await assert.rejects(restorePath(target, [nar]), { code: 'E_NAR_DUPLICATE' });
    assert.deepEqual(readdirSync(outside), []);
  });

  it('writes absolute and dot-dot symlink targets as data without following them', async () => {
    const { target, outside } = setup();
    const nar = build([MAGIC, ...dirNode([['abs', symlinkPieces(outside)], ['up', symlinkPieces('../outside')], ['z', fileNode('x')]])]);
    await restorePath(target, [nar]);
    assert.equal(readlinkSync(join(target, 'abs')), outside);
    assert.equal(readlinkSync(join(target, 'up')), '../outside');
    assert.equal(readFileSync(join(target, 'z'), 'utf8'), 'x');
    assert.deepEqual(readdirSync(outside), []);
  });

  it('checks names itself when used directly, without the reader', () => {
    const { target, outside } = setup();
    const sink = new FsRestoreSink(target);
    sink.directory(undefined);
    assert.throws(() => sink.regular(Buffer.from('../outside/pwned'), false), { code: 'E_RESTORE_NAME' });
    assert.throws(() => sink.symlink(Buffer.from('..'), Buffer.from('x')), { code: 'E_RESTORE_NAME' });
    assert.deepEqual(readdirSync(outside), []);
  });

  it('leaves nothing outside the target when the NAR is truncated', async () => {
    const { target, outside } = setup();
    const nar = narBytes(treeNode(dir({ a: file('hello'), b: dir({ c: file('x'.repeat(100)) }) })));
    await assert.rejects(restorePath(target, [nar.subarray(0, nar.length - 50)]), { code: 'E_NAR_TRUNCATED' });
    assert.deepEqual(readdirSync(outside), []);
  });
});
