/**
 * writeBinaryCache() against tix's own binary-cache reader, with a real local store and no
 * Nix (the differential test copy-file-cache.test.ts checks the same caches with Nix 2.8):
 * a closure of text paths with references is written, then read back through the
 * `file://` substituter; order, names, signatures, compression and skipping are checked.
 */

import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashBytes } from '../../../src/hash/index.ts';
import { generateSecretKey, parseNarInfo, toPublicKey } from '../../../src/store/index.ts';
import type { LocalStore } from '../../../src/store/local/index.ts';
import { openSubstituter, writeBinaryCache } from '../../../src/substitute/index.ts';
import { checkPathInfo } from '../../../src/trust/index.ts';
import { collectBytes } from '../../support/nar.ts';
import { disposeAll, tempDir, withTempStore } from '../../support/temp-store.ts';
import { runTix } from '../../support/tix-cli.ts';

after(disposeAll);

/** base ← mid ← top (top also refers to base). */
async function closure(store: LocalStore) {
  const base = (await store.addTextToStore('base', 'base contents\n'.repeat(500))).path;
  const mid = (await store.addTextToStore('mid', `uses ${store.printPath(base)}\n`, [base])).path;
  const top = (await store.addTextToStore('top', `uses ${store.printPath(mid)} ${store.printPath(base)}\n`, [mid, base])).path;
  return { base, mid, top };
}

describe('writeBinaryCache()', () => {
  for (const compression of ['none', 'zstd'] as const) {
    it(`writes a ${compression} closure that the file:// substituter reads back byte for byte`, () =>
      withTempStore(async (store) => {
        const { base, mid, top } = await closure(store);
        const dir = tempDir('tix-cache-');
        const key = generateSecretKey('writer-test-1', new Uint8Array(32).fill(3));
        const order: string[] = [];
        const r = await writeBinaryCache(store, [top], dir, { compression, secretKeys: [key], onPath: (p) => order.push(p.baseName) });
        assert.deepEqual(order, [base.baseName, mid.baseName, top.baseName], 'references first');
        assert.equal(r.written.length, 3);
        const sub = await openSubstituter(`file://${dir}`, store.storeDir);
        const infos = await sub.queryPathInfos([base, mid, top]);
        for (const p of [base, mid, top]) {
          const info = infos.get(p.baseName)!;
          const mine = (await store.db.queryPathInfo(p))!;
          assert.ok(info.narHash.equals(mine.narHash));
          assert.deepEqual(info.references.map((x) => x.baseName).sort(), mine.references.map((x) => x.baseName).sort());
          // Without its CA the path is trusted only through the signature.
          const verdict = checkPathInfo({ ...info, ca: undefined }, { trustedKeys: new Map([[key.name, toPublicKey(key)]]), requireSigs: true, storeDir: store.storeDir }, { expectedPath: p });
          assert.ok(verdict.ok, 'signed by the key');
          assert.ok((await collectBytes(sub.fetchNar(info))).equals(await collectBytes(await store.narFromPath(p))));
          const narinfo = parseNarInfo(readFileSync(join(dir, `${p.hashPart}.narinfo`)));
          const file = readFileSync(join(dir, narinfo.url));
          assert.ok(narinfo.fileHash!.equals(hashBytes('sha256', file)));
          assert.equal(narinfo.url, `nar/${narinfo.fileHash!.toString('nix32', false)}.nar${compression === 'zstd' ? '.zst' : ''}`);
          assert.equal(narinfo.compression, compression);
        }
      }));
  }

  it('skips paths whose narinfo is there and leaves no temporary file', () =>
    withTempStore(async (store) => {
      const { base, top } = await closure(store);
      const dir = tempDir('tix-cache-');
      await writeBinaryCache(store, [base], dir, { compression: 'none' });
      const mtime = statSync(join(dir, `${base.hashPart}.narinfo`)).mtimeMs;
      writeFileSync(join(dir, 'nix-cache-info'), 'StoreDir: /nix/store\nPriority: 7\n');
      const r = await writeBinaryCache(store, [top], dir, { compression: 'none' });
      assert.deepEqual(r.skipped.map((p) => p.baseName), [base.baseName]);
      assert.equal(r.written.length, 2);
      assert.equal(statSync(join(dir, `${base.hashPart}.narinfo`)).mtimeMs, mtime);
      assert.equal(readFileSync(join(dir, 'nix-cache-info'), 'utf8'), 'StoreDir: /nix/store\nPriority: 7\n', 'an existing nix-cache-info is kept');
      assert.deepEqual([...readdirSync(dir), ...readdirSync(join(dir, 'nar'))].filter((f) => f.startsWith('.tmp')), []);
    }));

  it('rejects a compression it cannot write', () =>
    withTempStore(async (store) => {
      const { base } = await closure(store);
      await assert.rejects(writeBinaryCache(store, [base], tempDir('tix-cache-'), { compression: 'lzip' as 'none' }), { code: 'E_CACHE_COMPRESSION', message: /compression 'lzip' cannot be written \(tix writes none, zstd, xz, bzip2\)/ });
    }));
});

describe('tix copy (usage)', () => {
  const path = '/nix/store/00000000000000000000000000000000-x';
  const cases: { args: string[]; message: RegExp }[] = [
    { args: [path], message: /give exactly one of --from and --to/ },
    { args: ['--from', 'p2p', '--to', 'file:///tmp/x', path], message: /give exactly one of --from and --to/ },
    { args: ['--to', 'file:///tmp/x'], message: /no paths given/ },
    { args: ['--to', 'file:///tmp/x', '--option', 'compression', 'lz4', path], message: /compression 'lz4' cannot be written \(none, zstd, xz, bzip2\)/ },
    { args: ['--to', 'file:///tmp/x?compression=br', path], message: /compression 'br' cannot be written/ },
    { args: ['--to', 'file://relative/dir', path], message: /needs an absolute directory/ },
    { args: ['--to', 's3://bucket', path], message: /unsupported destination 's3:\/\/bucket'/ },
    { args: ['--from', 'ssh://host', path], message: /unsupported source 'ssh:\/\/host'/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.args.join(' ')}`, () => {
      const r = runTix(['copy', ...c.args, '--store', tempDir('tix-store-')], { env: { TIX_CONF: '/dev/null' } });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, c.message);
    });
  }
});
