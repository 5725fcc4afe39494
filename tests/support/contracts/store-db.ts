/**
 * The `StoreDb` contract, written once and run against every real way of reaching the DB:
 * as its owner (calls answered in-process) and as a follower (calls over the socket to an
 * owner in another process). `open()` may be called several times per test; each call is
 * a separate handle (a separate holder of locks and temp roots).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hashBytes } from '../../../src/hash/index.ts';
import type { StoreDb } from '../../../src/store/local/store-db.ts';
import { fakeInfo, fakePath } from '../fake-paths.ts';

export interface StoreDbFixture {
  /** A new handle on the (same) DB of this test. */
  open(): Promise<StoreDb>;
  /** Called after the test, when given. */
  dispose?(): void;
}

/** `setup` makes a fresh DB for one test and returns how to open handles on it. */
export function storeDbContract(name: string, setup: () => Promise<StoreDbFixture>): void {
  const withDb = (fn: (db: StoreDb, f: StoreDbFixture) => Promise<void>) => async () => {
    const f = await setup();
    const db = await f.open();
    try {
      await fn(db, f);
    } finally {
      await db.close();
      f.dispose?.();
    }
  };

  describe(`StoreDb contract (${name})`, () => {
    it('registers a path and returns every field of its info', withDb(async (db) => {
      const dep = fakePath('dep', 'dep');
      const p = fakePath('p', 'hello-1.0');
      const drv = fakePath('d', 'hello-1.0.drv');
      await db.registerValidPaths([fakeInfo(dep)]);
      const info = fakeInfo(p, [dep, p], {
        deriver: drv,
        sigs: ['k1:abc='],
        ca: { method: 'nar', hash: hashBytes('sha256', 'x') },
        ultimate: true,
        registrationTime: 1234,
      });
      await db.registerValidPaths([info]);
      const got = (await db.queryPathInfo(p))!;
      assert.equal(got.path.baseName, p.baseName);
      assert.ok(got.narHash.equals(info.narHash));
      assert.equal(got.narSize, info.narSize);
      assert.deepEqual(got.references.map((r) => r.baseName).sort(), [dep.baseName, p.baseName].sort());
      assert.equal(got.deriver?.baseName, drv.baseName);
      assert.deepEqual(got.sigs, ['k1:abc=']);
      assert.equal(got.ca?.method, 'nar');
      assert.ok(got.ca?.hash.equals(hashBytes('sha256', 'x')));
      assert.equal(got.registrationTime, 1234);
      assert.equal(got.ultimate, true);
    }));

    it('treats a path with the same hash part but another name as not valid', withDb(async (db) => {
      await db.registerValidPaths([fakeInfo(fakePath('s', 'one'))]);
      assert.equal(await db.isValidPath(fakePath('s', 'one')), true);
      assert.equal(await db.isValidPath(fakePath('s', 'two')), false);
      assert.equal(await db.queryPathInfo(fakePath('s', 'two')), undefined);
    }));

    it('answers batch queries with undefined for invalid paths', withDb(async (db) => {
      const a = fakePath('a');
      const b = fakePath('b');
      await db.registerValidPaths([fakeInfo(a)]);
      const infos = await db.queryPathInfos([a, b]);
      assert.equal(infos[0]?.path.baseName, a.baseName);
      assert.equal(infos[1], undefined);
      assert.deepEqual((await db.queryValidPaths([b, a])).map((p) => p.baseName), [a.baseName]);
    }));

    it('finds a path from its hash part', withDb(async (db) => {
      const a = fakePath('hp', 'name-x');
      await db.registerValidPaths([fakeInfo(a)]);
      assert.equal((await db.queryPathFromHashPart(a.hashPart))?.baseName, a.baseName);
      assert.equal(await db.queryPathFromHashPart(fakePath('nope').hashPart), undefined);
    }));

    it('keeps a referrers index that includes self-references', withDb(async (db) => {
      const lib = fakePath('lib');
      const app = fakePath('app');
      const self = fakePath('self');
      await db.registerValidPaths([fakeInfo(lib), fakeInfo(app, [lib]), fakeInfo(self, [self, lib])]);
      assert.deepEqual((await db.queryReferrers(lib)).map((p) => p.baseName).sort(), [app.baseName, self.baseName].sort());
      assert.deepEqual((await db.queryReferrers(self)).map((p) => p.baseName), [self.baseName]);
      assert.deepEqual(await db.queryReferrers(app), []);
    }));

    it('refuses a registration whose reference is not valid, and writes nothing', withDb(async (db) => {
      const a = fakePath('a');
      const missing = fakePath('missing');
      await assert.rejects(db.registerValidPaths([fakeInfo(a), fakeInfo(fakePath('b'), [missing])]), { code: 'E_REFERENCE_INVALID' });
      assert.equal(await db.isValidPath(a), false);
    }));

    it('merges signatures and keeps the registration time on re-registration', withDb(async (db) => {
      const a = fakePath('a');
      await db.registerValidPaths([fakeInfo(a, [], { sigs: ['k:1'], registrationTime: 10 })]);
      await db.registerValidPaths([fakeInfo(a, [], { sigs: ['k:2'], registrationTime: 20 })]);
      await db.addSignatures(a, ['k:3', 'k:1']);
      const got = (await db.queryPathInfo(a))!;
      assert.deepEqual([...got.sigs].sort(), ['k:1', 'k:2', 'k:3']);
      assert.equal(got.registrationTime, 10);
    }));

    it('records derivation outputs and answers valid derivers', withDb(async (db) => {
      const drv = fakePath('drv', 'x.drv');
      const out = fakePath('out', 'x');
      const dev = fakePath('dev', 'x-dev');
      await db.registerValidPaths([fakeInfo(drv)], [{ drv, output: 'out', path: out }, { drv, output: 'dev', path: dev }]);
      const outs = await db.queryDerivationOutputs(drv);
      assert.deepEqual([...outs].map(([k, v]) => [k, v.baseName]).sort(), [['dev', dev.baseName], ['out', out.baseName]]);
      assert.deepEqual((await db.queryValidDerivers(out)).map((p) => p.baseName), [drv.baseName]);
    }));

    it('lists every path in pages', withDb(async (db) => {
      const paths = Array.from({ length: 25 }, (_, i) => fakePath(`l${i}`));
      await db.registerValidPaths(paths.map((p) => fakeInfo(p)));
      const seen: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = await db.listPathInfos(after, 10);
        seen.push(...page.map((i) => i.path.baseName));
        if (page.length < 10) break;
        after = page.at(-1)!.path.hashPart;
      }
      assert.deepEqual(seen.sort(), paths.map((p) => p.baseName).sort());
    }));

    it('invalidates a closed set but refuses a path still referenced from outside it', withDb(async (db) => {
      const lib = fakePath('lib');
      const app = fakePath('app');
      const other = fakePath('other');
      await db.registerValidPaths([fakeInfo(lib), fakeInfo(app, [lib]), fakeInfo(other)]);
      const r1 = await db.invalidatePaths([lib]);
      assert.deepEqual(r1.invalidated, []);
      assert.match(r1.refused[0]!.reason, /still referenced by/);
      const r2 = await db.invalidatePaths([app, lib, other]);
      assert.deepEqual(r2.invalidated.map((p) => p.baseName).sort(), [app, lib, other].map((p) => p.baseName).sort());
      assert.equal(await db.isValidPath(lib), false);
      assert.deepEqual(await db.queryReferrers(lib), []);
      await db.registerValidPaths([fakeInfo(lib)]);
      assert.deepEqual(await db.queryReferrers(lib), [], 'referrer entries of the deleted app were left behind');
    }));

    it('keeps the references of a refused path', withDb(async (db) => {
      const lib = fakePath('lib');
      const app = fakePath('app');
      const user = fakePath('user');
      await db.registerValidPaths([fakeInfo(lib), fakeInfo(app, [lib]), fakeInfo(user, [app])]);
      const r = await db.invalidatePaths([lib, app]);
      assert.deepEqual(r.invalidated, []);
      assert.equal(r.refused.length, 2);
    }));

    it('drops the derivation outputs of an invalidated derivation', withDb(async (db) => {
      const drv = fakePath('drv', 'y.drv');
      const out = fakePath('out', 'y');
      await db.registerValidPaths([fakeInfo(drv)], [{ drv, output: 'out', path: out }]);
      await db.invalidatePaths([drv]);
      assert.equal((await db.queryDerivationOutputs(drv)).size, 0);
      assert.deepEqual(await db.queryValidDerivers(out), []);
    }));

    it('refuses to invalidate a temp root or a lock of another handle, but not its own', withDb(async (db, f) => {
      const other = await f.open();
      try {
        const a = fakePath('a');
        const b = fakePath('b');
        await db.registerValidPaths([fakeInfo(a), fakeInfo(b)]);
        await other.addTempRoots([a]);
        await other.lockPaths([b.baseName]);
        const r = await db.invalidatePaths([a, b]);
        assert.deepEqual(r.invalidated, []);
        assert.deepEqual(r.refused.map((x) => x.reason.split(' ').slice(0, 4).join(' ')).sort(), ['it is a temporary', 'it is locked by']);
        await db.addTempRoots([a]);
        await other.removeTempRoots([a]);
        await other.unlockPaths([b.baseName]);
        assert.equal((await db.invalidatePaths([a, b])).invalidated.length, 2);
      } finally {
        await other.close();
      }
    }));

    it('lists temp roots of open handles only', withDb(async (db, f) => {
      const other = await f.open();
      await other.addTempRoots([fakePath('t1')]);
      await db.addTempRoots([fakePath('t2')]);
      assert.deepEqual((await db.listTempRoots()).map((p) => p.baseName).sort(), [fakePath('t1'), fakePath('t2')].map((p) => p.baseName).sort());
      await other.close();
      assert.deepEqual((await db.listTempRoots()).map((p) => p.baseName), [fakePath('t2').baseName]);
    }));

    it('makes a second locker wait until the first unlocks', withDb(async (db, f) => {
      const other = await f.open();
      try {
        assert.equal(await db.lockPaths(['x', 'y']), true);
        assert.equal(await other.lockPaths(['y'], { wait: false }), false);
        let got = false;
        const waiting = other.lockPaths(['y', 'z']).then(() => (got = true));
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(got, false);
        await db.unlockPaths(['x', 'y']);
        await waiting;
        assert.equal(await db.lockPaths(['z'], { wait: false }), false);
      } finally {
        await other.close();
      }
    }));

    it('releases the locks of a closed handle', withDb(async (db, f) => {
      const other = await f.open();
      await other.lockPaths(['held']);
      const waiting = db.lockPaths(['held']);
      await other.close();
      assert.equal(await waiting, true);
    }));

    it('stops waiting for a lock when the signal aborts', withDb(async (db, f) => {
      const other = await f.open();
      try {
        await other.lockPaths(['busy']);
        const ac = new AbortController();
        const waiting = db.lockPaths(['busy'], { signal: ac.signal });
        setTimeout(() => ac.abort(new Error('gave up')), 20);
        await assert.rejects(waiting, /gave up/);
        await other.unlockPaths(['busy']);
        assert.equal(await db.lockPaths(['busy'], { wait: false }), true, 'the aborted request still took the lock');
      } finally {
        await other.close();
      }
    }));

    it('tells every handle about registrations and invalidations', withDb(async (db, f) => {
      const watcher = await f.open();
      const ac = new AbortController();
      const seen: string[] = [];
      const done = (async () => {
        for await (const ev of watcher.events(ac.signal)) {
          if (ev.type === 'resync') continue;
          seen.push(`${ev.type}:${ev.paths.map((p) => p.name).join(',')}`);
          if (seen.length === 2) break;
        }
      })();
      await new Promise((r) => setTimeout(r, 30));
      const a = fakePath('ev', 'evpath');
      await db.registerValidPaths([fakeInfo(a)]);
      await db.invalidatePaths([a]);
      await done;
      ac.abort();
      await watcher.close();
      assert.deepEqual(seen, ['registered:evpath', 'invalidated:evpath']);
    }));
  });
}
