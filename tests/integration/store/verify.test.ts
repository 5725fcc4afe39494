/** `verify`: every corrupt or missing path is reported; signatures are checked against trusted keys. */

import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { deleteTree } from '../../../src/store/local/canonicalise.ts';
import type { LocalStore, VerifyEvent } from '../../../src/store/local/index.ts';
import { generateSecretKey, signPathInfo, toPublicKey, type StorePath } from '../../../src/store/index.ts';
import { fakePath } from '../../support/fake-paths.ts';
import { disposeAll, makeSourceTree, withTempStore } from '../../support/temp-store.ts';

after(disposeAll);

async function problems(store: LocalStore, opts: Parameters<LocalStore['verify']>[0]): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of store.verify(opts)) {
    if (ev.type !== 'checked' && ev.type !== 'done') out.push(`${ev.type}:${ev.path.name}`);
  }
  return out.sort();
}

async function built(store: LocalStore, name: string, ultimate: boolean): Promise<StorePath> {
  const tmp = store.newTempPath();
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'f'), name);
  const p = fakePath(name, name);
  await store.commitPath(tmp, p, { references: [], ultimate });
  return p;
}

describe('verify()', () => {
  it('reports every modified and every missing path, and only those', () =>
    withTempStore(async (store) => {
      const ok = await store.addToStore(makeSourceTree('ok'));
      const modified = await store.addToStore(makeSourceTree('modified'));
      const resized = await store.addToStore(makeSourceTree('resized'));
      const missing = await store.addToStore(makeSourceTree('missing'));
      for (const [info, text] of [[modified, 'README X\n'], [resized, 'much longer readme\n']] as const) {
        const f = join(store.realPath(info.path), 'README');
        chmodSync(store.realPath(info.path), 0o755);
        chmodSync(f, 0o644);
        writeFileSync(f, text.replace('X', info.path.name.slice(-1)).padEnd(text.length));
      }
      deleteTree(store.realPath(missing.path));
      assert.deepEqual(await problems(store, {}), [`missing:${missing.path.name}`]);
      assert.deepEqual(await problems(store, { checkContents: true }), [`missing:${missing.path.name}`, `modified:${modified.path.name}`, `modified:${resized.path.name}`].sort());
      assert.deepEqual(await problems(store, { checkContents: true, paths: [ok.path] }), []);
      const events: VerifyEvent[] = [];
      for await (const ev of store.verify({ checkContents: true })) events.push(ev);
      assert.deepEqual(events.at(-1), { type: 'done', checked: 4, failed: 3 });
    }));

  it('checks trust: built here, content-addressed or signed by a trusted key', () =>
    withTempStore(async (store) => {
      const key = generateSecretKey('test-1', new Uint8Array(32).fill(7));
      const trustedKeys = new Map([[key.name, toPublicKey(key)]]);
      const ca = await store.addToStore(makeSourceTree('ca'));
      const ultimate = await built(store, 'ultimate', true);
      const unsigned = await built(store, 'unsigned', false);
      const signed = await built(store, 'signed', false);
      await store.db.addSignatures(signed, [signPathInfo((await store.db.queryPathInfo(signed))!, store.storeDir, key)]);
      const found = await problems(store, { trust: { trustedKeys } });
      assert.deepEqual(found, ['untrusted:unsigned']);
      assert.ok(ca && ultimate);
    }));

  it('fails on a path that is not valid', () =>
    withTempStore(async (store) => {
      await assert.rejects(problems(store, { paths: [fakePath('nope')] }), { code: 'E_INVALID_PATH' });
    }));
});
