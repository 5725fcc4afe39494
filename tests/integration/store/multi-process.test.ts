/**
 * Many processes, one store DB: writers and readers in separate processes, the owner
 * killed with SIGKILL mid-run, locks and temp roots that die with their holder.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { openStoreDb } from '../../../src/store/local/shared-db.ts';
import { type Child, killAll, repoRoot, spawnChild } from '../../support/child.ts';
import { fakePath } from '../../support/fake-paths.ts';

const script = join(repoRoot, 'tests/support/store-db-child.ts');
const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tix-mp-'));
  dirs.push(d);
  return d;
}
afterEach(killAll);
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const loc = (dir: string) => ({ dbDir: `${dir}/db`, socketPath: `${dir}/db.sock` });

async function started(c: Child): Promise<boolean> {
  return (await c.next((l) => l.attached === true)).owner as boolean;
}

describe('store DB shared by several processes', () => {
  it('keeps two writers and a reader going when the owner is killed mid-run', async () => {
    const dir = freshDir();
    const owner = spawnChild(script, [dir, 'write', 'a', '100000']);
    assert.equal(await started(owner), true);
    const b = spawnChild(script, [dir, 'write', 'b', '150']);
    const r = spawnChild(script, [dir, 'read', 'b']);
    assert.equal(await started(b), false);
    assert.equal(await started(r), false);
    await b.next((l) => typeof l.wrote === 'number' && l.wrote >= 20);
    const aWrote = owner.lines.filter((l) => typeof l.wrote === 'number').length;
    owner.kill('SIGKILL');
    assert.equal(await owner.exited, 'SIGKILL');

    const bEnd = await b.next((l) => l.end === true);
    assert.equal(await b.exited, 0, b.stderr());
    r.closeStdin();
    const rEnd = await r.next((l) => l.final === true);
    assert.equal(await r.exited, 0, r.stderr());
    assert.ok((rEnd.found as number) > 0);
    // Someone took over: at least one survivor attached twice.
    assert.ok((bEnd.attachCount as number) + (r.lines.at(-1)!.attachCount as number) >= 3);

    const db = await openStoreDb(loc(dir), { fsync: false });
    try {
      for (let i = 0; i < 150; i++) assert.ok(await db.isValidPath(fakePath(`b${i}`, `b${i}`)), `b${i}`);
      // Everything the killed owner reported as written survived it.
      for (let i = 0; i < aWrote; i++) assert.ok(await db.isValidPath(fakePath(`a${i}`, `a${i}`)), `a${i}`);
    } finally {
      await db.close();
    }
  });

  it('hands the DB over when the owner exits normally', async () => {
    const dir = freshDir();
    const owner = spawnChild(script, [dir, 'hold']);
    assert.equal(await started(owner), true);
    const f = spawnChild(script, [dir, 'write', 'c', '100']);
    assert.equal(await started(f), false);
    await f.next((l) => typeof l.wrote === 'number' && l.wrote >= 10);
    owner.closeStdin();
    assert.equal(await owner.exited, 0);
    await f.next((l) => l.end === true);
    assert.equal(await f.exited, 0, f.stderr());
  });

  it('lets a waiting process take a lock as soon as its holder is killed', async () => {
    const dir = freshDir();
    const owner = spawnChild(script, [dir, 'hold']);
    await started(owner);
    const holder = spawnChild(script, [dir, 'lock', 'x-out']);
    await holder.next((l) => l.locked === 'x-out');
    const waiter = spawnChild(script, [dir, 'lock', 'x-out']);
    await started(waiter);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(waiter.lines.some((l) => l.locked), false, 'waiter got a held lock');
    holder.kill('SIGKILL');
    await waiter.next((l) => l.locked === 'x-out');
  });

  it('keeps a lock held by a live follower across an owner crash, and frees it when the holder dies', async () => {
    const dir = freshDir();
    const owner = spawnChild(script, [dir, 'hold']);
    await started(owner);
    const holder = spawnChild(script, [dir, 'lock', 'y-out']);
    await holder.next((l) => l.locked === 'y-out');
    owner.kill('SIGKILL');
    await owner.exited;
    const db = await openStoreDb(loc(dir), { fsync: false });
    try {
      assert.equal(await db.lockPaths(['y-out'], { wait: false }), false, 'lock of a live holder was lost in the failover');
      holder.kill('SIGKILL');
      await holder.exited;
      assert.equal(await db.lockPaths(['y-out'], { wait: true, signal: AbortSignal.timeout(10_000) }), true);
    } finally {
      await db.close();
    }
  });

  it('forgets the temp roots of a killed process and keeps those of a live one', async () => {
    const dir = freshDir();
    const owner = spawnChild(script, [dir, 'hold']);
    await started(owner);
    const live = spawnChild(script, [dir, 'root', 'live']);
    const doomed = spawnChild(script, [dir, 'root', 'doomed']);
    await live.next((l) => l.rooted === 'live');
    await doomed.next((l) => l.rooted === 'doomed');
    doomed.kill('SIGKILL');
    owner.kill('SIGKILL');
    await Promise.all([doomed.exited, owner.exited]);
    const db = await openStoreDb(loc(dir), { fsync: false });
    try {
      const roots = (await db.listTempRoots()).map((p) => p.baseName);
      assert.deepEqual(roots, [fakePath('live').baseName]);
    } finally {
      await db.close();
    }
  });
});
