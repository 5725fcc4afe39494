/**
 * Garbage collection over a graph with direct, indirect and temp roots: exactly the
 * unreachable paths go, derivers stay (keep-derivations), `--max-freed` stops early.
 */

import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LocalStore } from '../../../src/store/local/index.ts';
import type { StorePath } from '../../../src/store/index.ts';
import { fakePath } from '../../support/fake-paths.ts';
import { disposeAll, openTempStore, tempDir, withTempStore } from '../../support/temp-store.ts';

after(disposeAll);

/** A store path `name` with real files, the given references and deriver. */
async function mk(store: LocalStore, name: string, refs: StorePath[] = [], deriver?: StorePath, outputs?: { drv: StorePath; output: string }[]): Promise<StorePath> {
  const tmp = store.newTempPath();
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'data'), `${name}\n`.repeat(100));
  const path = fakePath(name, name);
  await store.commitPath(tmp, path, { references: refs, deriver }, (outputs ?? []).map((o) => ({ ...o, path })));
  return path;
}

async function run(store: LocalStore, opts: Parameters<LocalStore['collectGarbage']>[0] = {}) {
  const events = [];
  for await (const ev of store.collectGarbage(opts)) events.push(ev);
  return events;
}

const names = (ps: Iterable<{ name: string }>) => [...ps].map((p) => p.name).sort();

/**
 *   root r1 → c → b → a        deriver of c: c.drv (kept with keep-derivations)
 *   result (indirect) → e → d
 *   temp root (another handle) → g
 *   dead: h, i → h, j
 */
async function graph(store: LocalStore) {
  const a = await mk(store, 'a');
  const b = await mk(store, 'b', [a]);
  const cdrv = await mk(store, 'c.drv');
  const c = await mk(store, 'c', [b], cdrv);
  const d = await mk(store, 'd');
  const e = await mk(store, 'e', [d]);
  const g = await mk(store, 'g');
  const h = await mk(store, 'h');
  const i = await mk(store, 'i', [h]);
  const j = await mk(store, 'j');
  mkdirSync(store.layout.gcRootsDir, { recursive: true });
  symlinkSync(store.printPath(c), join(store.layout.gcRootsDir, 'r1'));
  const result = join(tempDir(), 'result');
  store.addPermRoot(e, result);
  // The paths above are temp roots of `store` itself (it added them): start afresh.
  await store.db.removeTempRoots([a, b, cdrv, c, d, e, g, h, i, j]);
  return { a, b, cdrv, c, d, e, g, h, i, j, result };
}

describe('collectGarbage()', () => {
  it('deletes exactly the paths no root, indirect root or temp root needs', async () => {
    const store = await openTempStore();
    const other = await openTempStore(store.layout.root);
    try {
      const g = await graph(store);
      await other.db.addTempRoots([g.g]);
      const live = await run(store, { action: 'print-live' });
      assert.deepEqual(names(live.map((e) => (e as { path: StorePath }).path)), ['a', 'b', 'c', 'c.drv', 'd', 'e', 'g']);
      const dead = await run(store, { action: 'print-dead' });
      assert.deepEqual(names(dead.map((e) => (e as { path: StorePath }).path)), ['h', 'i', 'j']);

      const events = await run(store);
      const deleted = events.filter((e) => e.type === 'deleted').map((e) => (e as { path: StorePath }).path);
      assert.deepEqual(names(deleted), ['h', 'i', 'j']);
      // Referrers go before what they refer to.
      assert.ok(deleted.findIndex((p) => p.name === 'i') < deleted.findIndex((p) => p.name === 'h'));
      const done = events.at(-1) as { type: string; deleted: number; bytesFreed: number };
      assert.equal(done.type, 'done');
      assert.equal(done.deleted, 3);
      assert.ok(done.bytesFreed >= 3 * 200);
      for (const p of [g.h, g.i, g.j]) {
        assert.equal(await store.db.isValidPath(p), false);
        assert.equal(existsSync(store.realPath(p)), false);
      }
      for (const p of [g.a, g.b, g.c, g.cdrv, g.d, g.e, g.g]) {
        assert.equal(await store.db.isValidPath(p), true, p.name);
        assert.equal(existsSync(store.realPath(p)), true, p.name);
      }
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('prints direct and indirect roots', () =>
    withTempStore(async (store) => {
      const g = await graph(store);
      const roots = (await run(store, { action: 'print-roots' })) as { link: string; path: StorePath }[];
      assert.deepEqual(roots.map((r) => [r.link, r.path.name]).sort(), [[g.result, 'e'], [join(store.layout.gcRootsDir, 'r1'), 'c']].sort());
    }));

  it('lets derivers go with keep-derivations = false, and a closed handle release its temp roots', () =>
    withTempStore(async (store) => {
      const g = await graph(store);
      const other = await openTempStore(store.layout.root);
      await other.db.addTempRoots([g.g]);
      await other.close();
      const dead = await run(store, { action: 'print-dead', keepDerivations: false });
      assert.deepEqual(names(dead.map((e) => (e as { path: StorePath }).path)), ['c.drv', 'g', 'h', 'i', 'j']);
    }));

  it('keeps the outputs of a live derivation with keep-outputs = true', () =>
    withTempStore(async (store) => {
      const drv = await mk(store, 'k.drv');
      const out = await mk(store, 'k', [], undefined, [{ drv, output: 'out' }]);
      symlinkSync(store.printPath(drv), join(store.layout.gcRootsDir, 'drv-root'));
      await store.db.removeTempRoots([drv, out]);
      assert.deepEqual(names((await run(store, { action: 'print-dead' })).map((e) => (e as { path: StorePath }).path)), ['k']);
      assert.deepEqual(await run(store, { action: 'print-dead', keepOutputs: true }), []);
    }));

  it('removes a stale indirect root and then collects its path', () =>
    withTempStore(async (store) => {
      const g = await graph(store);
      unlinkSync(g.result);
      const events = await run(store);
      assert.ok(events.some((e) => e.type === 'deleted' && (e.path as StorePath).name === 'e'));
      assert.equal(store.findRoots().roots.length, 1);
    }));

  it('stops once --max-freed bytes are freed', () =>
    withTempStore(async (store) => {
      await graph(store);
      const events = await run(store, { maxFreed: 1 });
      assert.equal(events.filter((e) => e.type === 'deleted').length, 1);
    }));

  it('deletes entries of the store dir that are not valid paths', () =>
    withTempStore(async (store) => {
      const stray = fakePath('stray', 'stray');
      mkdirSync(store.realPath(stray));
      writeFileSync(join(store.realPath(stray), 'x'), 'x');
      const events = await run(store);
      assert.ok(events.some((e) => e.type === 'deleted' && (e.path as StorePath).name === 'stray'));
      assert.equal(existsSync(store.realPath(stray)), false);
    }));

  it('tells other processes about every deletion', async () => {
    const store = await openTempStore();
    const watcher = await openTempStore(store.layout.root);
    try {
      await graph(store);
      const ac = new AbortController();
      const seen: string[] = [];
      const watching = (async () => {
        for await (const ev of watcher.db.events(ac.signal)) {
          if (ev.type === 'invalidated') seen.push(...ev.paths.map((p) => p.name));
          if (seen.length >= 4) break;
        }
      })();
      await new Promise((r) => setTimeout(r, 20));
      await run(store);
      await watching;
      // g has no temp root here (no other handle holds one), so it goes too.
      assert.deepEqual(seen.sort(), ['g', 'h', 'i', 'j']);
    } finally {
      await watcher.close();
      await store.close();
    }
  });
});

describe('deletePaths()', () => {
  it('refuses a live path and deletes a dead one', () =>
    withTempStore(async (store) => {
      const g = await graph(store);
      await assert.rejects(store.deletePaths([g.c]), { code: 'E_PATH_ALIVE', message: /since it is still alive/ });
      await assert.rejects(store.deletePaths([g.h]), { code: 'E_PATH_ALIVE', message: /still referenced by/ });
      const { deleted } = await store.deletePaths([g.h, g.i]);
      assert.deepEqual(names(deleted), ['h', 'i']);
      assert.equal(existsSync(store.realPath(g.h)), false);
    }));
});
