/**
 * The local store with real files: adding, importing NARs, committing build outputs,
 * crash leftovers, logs. (GC and verify have their own files.)
 */

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashBytes } from '../../../src/hash/index.ts';
import { directoryNode, narBytes, regularNode, symlinkNode } from '../../../src/store/index.ts';
import { dumpPath } from '../../../src/store/local/index.ts';
import { cleanTempArea } from '../../../src/store/local/temp-area.ts';
import { fakeInfo, fakePath } from '../../support/fake-paths.ts';
import { collectBytes } from '../../support/nar.ts';
import { disposeAll, makeSourceTree, tempDir, withTempStore } from '../../support/temp-store.ts';

after(disposeAll);

describe('LocalStore.addToStore()', () => {
  it('adds a tree read-only with mtime 1, keeping executables and symlinks', () =>
    withTempStore(async (store) => {
      const src = makeSourceTree('a');
      const info = await store.addToStore(src);
      const real = store.realPath(info.path);
      assert.equal(lstatSync(real).mode & 0o7777, 0o555);
      assert.equal(lstatSync(join(real, 'README')).mode & 0o7777, 0o444);
      assert.equal(lstatSync(join(real, 'bin/run')).mode & 0o7777, 0o555);
      assert.equal(readlinkSync(join(real, 'share/link')), '../README');
      for (const p of [real, join(real, 'README'), join(real, 'share/link'), join(real, 'share/empty')]) assert.equal(lstatSync(p).mtimeMs, 1000, p);
      assert.equal(info.ca?.method, 'nar');
      assert.ok(info.ca?.hash.equals(info.narHash));
      assert.equal(info.narSize, (await collectBytes(dumpPath(src))).length);
      assert.ok(info.narHash.equals(hashBytes('sha256', await collectBytes(dumpPath(src)))));
      assert.deepEqual(readdirSync(store.layout.tempDir), []);
    }));

  it('returns the existing path when the same content is added again', () =>
    withTempStore(async (store) => {
      const a = await store.addToStore(makeSourceTree('same'));
      const b = await store.addToStore(makeSourceTree('same'));
      assert.equal(a.path.baseName, b.path.baseName);
      assert.equal(b.registrationTime, a.registrationTime);
    }));

  it('names the path with --name and hashes flat files by their contents', () =>
    withTempStore(async (store) => {
      const file = join(tempDir(), 'f.txt');
      writeFileSync(file, 'flat contents');
      const info = await store.addToStore(file, { method: 'flat', name: 'renamed' });
      assert.equal(info.path.name, 'renamed');
      assert.equal(info.ca?.method, 'flat');
      assert.ok(info.ca?.hash.equals(hashBytes('sha256', 'flat contents')));
      assert.equal(readFileSync(store.realPath(info.path), 'utf8'), 'flat contents');
    }));

  const bad: { name: string; make: (dir: string) => string; opts?: object; code: string }[] = [
    { name: 'refuses a FIFO inside a tree', make: (d) => (execFileSync('mkfifo', [join(d, 'fifo')]), d), code: 'E_NAR_UNSUPPORTED_TYPE' },
    { name: 'refuses a directory as a flat file', make: (d) => d, opts: { method: 'flat' }, code: 'E_ADD_SOURCE' },
    { name: 'refuses a missing source', make: (d) => join(d, 'missing'), code: 'E_ADD_SOURCE' },
    { name: 'refuses an invalid name', make: (d) => d, opts: { name: 'bad name' }, code: 'E_BAD_NAME' },
  ];
  for (const c of bad) {
    it(`${c.name}, leaving nothing behind`, () =>
      withTempStore(async (store) => {
        const d = tempDir();
        await assert.rejects(store.addToStore(c.make(d), c.opts), { code: c.code });
        assert.deepEqual(readdirSync(store.layout.tempDir), []);
        assert.deepEqual(readdirSync(store.layout.realStoreDir), ['.tix-tmp']);
      }));
  }
});

describe('LocalStore.addTextToStore()', () => {
  it('makes the text path Nix makes and records the outputs of a .drv', () =>
    withTempStore(async (store) => {
      const out = fakePath('out', 'hello');
      const text = `Derive([("out","/nix/store/${out.baseName}","","")],[],[],"x86_64-linux","/bin/sh",[],[("out","/nix/store/${out.baseName}")])`;
      const info = await store.addTextToStore('hello.drv', text);
      assert.equal(info.path.baseName, store.storeDir.makeTextPath('hello.drv', hashBytes('sha256', text)).baseName);
      assert.equal((await store.db.queryDerivationOutputs(info.path)).get('out')?.baseName, out.baseName);
      assert.equal(readFileSync(store.realPath(info.path), 'utf8'), text);
    }));
});

describe('LocalStore.addTextsToStore()', () => {
  it('adds texts that refer to each other in one commit, keeping the ones already valid, in order', () =>
    withTempStore(async (store) => {
      const old = await store.addTextToStore('old', 'old');
      const a = store.storeDir.makeTextPath('a', hashBytes('sha256', 'a'));
      const infos = await store.addTextsToStore([
        { name: 'old', text: 'old' },
        { name: 'a', text: 'a' },
        { name: 'b', text: `uses ${a.baseName}`, references: [a, old.path] },
      ]);
      assert.deepEqual(infos.map((i) => i.path.name), ['old', 'a', 'b']);
      assert.equal(infos[0]!.registrationTime, old.registrationTime);
      assert.equal(infos[1]!.path.baseName, a.baseName);
      const b = await store.db.queryPathInfo(infos[2]!.path);
      assert.deepEqual(b?.references.map((r) => r.baseName).sort(), [a.baseName, old.path.baseName].sort());
      assert.equal(readFileSync(store.realPath(infos[2]!.path), 'utf8'), `uses ${a.baseName}`);
      assert.deepEqual(readdirSync(store.layout.tempDir), []);
    }));

  it('replaces a half-written file a killed process left at an unregistered path', () =>
    withTempStore(async (store) => {
      const path = store.storeDir.makeTextPath('half', hashBytes('sha256', 'whole text'));
      writeFileSync(store.realPath(path), 'who', { mode: 0o444 });
      const [info] = await store.addTextsToStore([{ name: 'half', text: 'whole text' }]);
      assert.equal(info!.path.baseName, path.baseName);
      assert.equal(readFileSync(store.realPath(path), 'utf8'), 'whole text');
      const st = lstatSync(store.realPath(path));
      assert.deepEqual([st.mode & 0o7777, st.mtimeMs], [0o444, 1000]);
    }));

  it('registers none of them when one refers to a path that is not valid, and leaves nothing', () =>
    withTempStore(async (store) => {
      const missing = fakePath('missing', 'missing');
      await assert.rejects(store.addTextsToStore([{ name: 'fine', text: 'fine' }, { name: 'bad', text: 'bad', references: [missing] }]), { code: 'E_REFERENCE_INVALID' });
      const fine = store.storeDir.makeTextPath('fine', hashBytes('sha256', 'fine'));
      assert.equal(await store.db.isValidPath(fine), false);
      assert.equal(existsSync(store.realPath(fine)), false);
      assert.deepEqual(readdirSync(store.layout.tempDir), []);
    }));
});

describe('LocalStore.importNar()', () => {
  const tree = directoryNode({ f: regularNode('hi\n'), x: regularNode('#!/bin/sh\n', true), l: symlinkNode('f') });
  const nar = narBytes(tree);
  const narHash = hashBytes('sha256', nar);
  const target = fakePath('imported', 'imported');

  it('restores, verifies and registers a NAR', () =>
    withTempStore(async (store) => {
      const dep = (await store.addTextToStore('dep', 'dep')).path;
      const { info, alreadyValid } = await store.importNar(target, [nar], { narHash, narSize: nar.length, references: [dep], sigs: ['k:s'] });
      assert.equal(alreadyValid, false);
      assert.deepEqual(info.references.map((r) => r.baseName), [dep.baseName]);
      assert.deepEqual((await collectBytes(await store.narFromPath(target))).equals(Buffer.from(nar)), true);
      assert.equal((await store.importNar(target, [nar], { narHash })).alreadyValid, true);
    }));

  const failures: { name: string; opts: object; chunks?: Uint8Array[]; code: string; message?: RegExp }[] = [
    { name: 'a wrong NAR hash', opts: { narHash: hashBytes('sha256', 'other') }, code: 'E_NAR_HASH_MISMATCH', message: /hash mismatch importing path '.*';\n  specified: sha256:.*\n  got:       sha256:/ },
    { name: 'a NAR longer than announced', opts: { narHash, narSize: 100 }, code: 'E_NAR_SIZE_MISMATCH' },
    { name: 'a NAR shorter than announced', opts: { narHash, narSize: nar.length + 8 }, code: 'E_NAR_SIZE_MISMATCH' },
    { name: 'a truncated NAR', opts: {}, chunks: [nar.subarray(0, nar.length - 16)], code: 'E_NAR_TRUNCATED' },
    { name: 'a reference that is not valid', opts: { references: [fakePath('nope')] }, code: 'E_REFERENCE_INVALID' },
    // The NAR hash matches what is sent, but the content address names other contents.
    { name: 'contents that are not what its fixed:r: content address says', opts: { narHash, ca: { method: 'nar', hash: hashBytes('sha256', 'other') } }, code: 'E_CA_HASH_MISMATCH', message: /ca hash mismatch importing path '.*';\n  specified: sha256:.*\n  got:       sha256:/ },
    { name: 'contents that are not what its fixed:r:sha1 content address says', opts: { narHash, ca: { method: 'nar', hash: hashBytes('sha1', 'other') } }, code: 'E_CA_HASH_MISMATCH' },
    { name: 'a directory claiming a text: content address', opts: { narHash, ca: { method: 'text', hash: hashBytes('sha256', 'hi\n') } }, code: 'E_CA_HASH_MISMATCH', message: /needs a regular file/ },
  ];
  for (const f of failures) {
    it(`rejects ${f.name} and leaves nothing`, () =>
      withTempStore(async (store) => {
        await assert.rejects(store.importNar(target, f.chunks ?? [nar], f.opts), (e: { code?: string; message: string }) => {
          if (f.code !== 'E_NAR_TRUNCATED') assert.equal(e.code, f.code);
          if (f.message) assert.match(e.message, f.message);
          return true;
        });
        assert.equal(await store.db.isValidPath(target), false);
        assert.equal(existsSync(store.realPath(target)), false);
        assert.deepEqual(readdirSync(store.layout.tempDir), []);
      }));
  }

  it('accepts contents that match their content address (text:, fixed:, fixed:r: with sha1)', () =>
    withTempStore(async (store) => {
      const file = narBytes(regularNode('text\n'));
      const cases = [
        { path: fakePath('text', 'text'), nar: file, ca: { method: 'text' as const, hash: hashBytes('sha256', 'text\n') } },
        { path: fakePath('flat', 'flat'), nar: file, ca: { method: 'flat' as const, hash: hashBytes('sha512', 'text\n') } },
        { path: fakePath('tree', 'tree'), nar, ca: { method: 'nar' as const, hash: hashBytes('sha1', nar) } },
      ];
      for (const c of cases) {
        const { info } = await store.importNar(c.path, [c.nar], { narHash: hashBytes('sha256', c.nar), ca: c.ca });
        assert.equal(info.ca, c.ca);
      }
    }));

  it('stops reading when the signal aborts', () =>
    withTempStore(async (store) => {
      const ac = new AbortController();
      async function* slow() {
        yield nar.subarray(0, 64);
        ac.abort(new Error('peer too slow'));
        yield nar.subarray(64);
      }
      await assert.rejects(store.importNar(target, slow(), { signal: ac.signal }), /peer too slow/);
      assert.deepEqual(readdirSync(store.layout.tempDir), []);
    }));
});

describe('LocalStore.commitPath()', () => {
  it('canonicalises, scans for references, breaks hard links and registers a build output', () =>
    withTempStore(async (store) => {
      const dep = (await store.addTextToStore('dep', 'dep')).path;
      const unused = (await store.addTextToStore('unused', 'unused')).path;
      const out = fakePath('built', 'built');
      const tmp = store.newTempPath();
      mkdirSync(tmp);
      writeFileSync(join(tmp, 'ref'), `uses ${store.printPath(dep)} and itself ${store.printPath(out)}`);
      const linked = join(tempDir(), 'outside');
      writeFileSync(linked, 'shared inode');
      execFileSync('ln', [linked, join(tmp, 'hard')]);
      const modeBefore = lstatSync(linked).mode;
      const { info } = await store.commitPath(tmp, out, { referenceCandidates: [dep, unused], deriver: fakePath('drv', 'built.drv') });
      assert.deepEqual(info.references.map((r) => r.baseName).sort(), [dep.baseName, out.baseName].sort());
      assert.equal(info.ultimate, true);
      assert.equal(lstatSync(join(store.realPath(out), 'hard')).nlink, 1);
      assert.equal(lstatSync(linked).mode, modeBefore, 'canonicalising the output changed a file outside it');
    }));
});

describe('cleanTempArea()', () => {
  it("removes a dead process's temporary tree and its renamed but unregistered path", () =>
    withTempStore(async (store) => {
      const dead = 999_999_999; // no such PID
      const stray = fakePath('stray', 'stray');
      mkdirSync(join(store.layout.tempDir, `T-${dead}.1-1`));
      writeFileSync(join(store.layout.tempDir, `T-${dead}.1-1`, 'x'), 'x');
      closeSync(openSync(join(store.layout.tempDir, `M-${dead}.1-2-${stray.baseName}`), 'w'));
      mkdirSync(store.realPath(stray));
      const live = store.newTempPath();
      mkdirSync(live);
      assert.equal(await cleanTempArea(store.temp, store.layout.realStoreDir, store.db), 2);
      assert.equal(existsSync(store.realPath(stray)), false);
      assert.deepEqual(readdirSync(store.layout.tempDir), [live.slice(live.lastIndexOf('/') + 1)]);
    }));

  it("removes the unregistered paths a dead process's list marker names, keeping registered ones", () =>
    withTempStore(async (store) => {
      const kept = await store.addTextToStore('kept', 'kept');
      const stray = fakePath('stray', 'stray');
      mkdirSync(store.realPath(stray));
      writeFileSync(join(store.layout.tempDir, 'L-999999999.1-4'), `${stray.baseName}\n${kept.path.baseName}\nnot a store path\n`);
      assert.equal(await cleanTempArea(store.temp, store.layout.realStoreDir, store.db), 1);
      assert.equal(existsSync(store.realPath(stray)), false);
      assert.equal(existsSync(store.realPath(kept.path)), true);
      assert.deepEqual(readdirSync(store.layout.tempDir), []);
    }));

  it('keeps a final path that was registered after all', () =>
    withTempStore(async (store) => {
      const info = await store.addTextToStore('kept', 'kept');
      closeSync(openSync(join(store.layout.tempDir, `M-999999999.1-3-${info.path.baseName}`), 'w'));
      await cleanTempArea(store.temp, store.layout.realStoreDir, store.db);
      assert.equal(existsSync(store.realPath(info.path)), true);
    }));
});

describe('build logs', () => {
  for (const compress of [true, false]) {
    it(`round-trips a ${compress ? 'compressed' : 'plain'} log, found from the output too`, () =>
      withTempStore(async (store) => {
        const drv = fakePath('logdrv', 'x.drv');
        const w = store.openLogWriter(drv, { compress });
        w.write('line 1\n');
        w.write(Buffer.from('line 2\n'));
        await w.close();
        assert.equal((await store.readBuildLog(drv))?.toString(), 'line 1\nline 2\n');
        const plain = await store.addTextToStore('x', 'x');
        assert.equal(await store.readBuildLog(plain.path), undefined);
        const built = fakePath('out2', 'x');
        await store.db.registerValidPaths([fakeInfo(built, [], { deriver: drv })]);
        assert.equal((await store.readBuildLog(built))?.toString(), 'line 1\nline 2\n');
      }));
  }
});

