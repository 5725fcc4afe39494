/**
 * Several processes on one store: two `realise` runs of one graph build each output once
 * (the per-path locks make the second wait and use the result), and a run killed with
 * SIGKILL in the middle of a build leaves no valid or partial output and no builder behind;
 * the next run builds it.
 */

import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorePath } from '../../../src/store/index.ts';
import { BUILD_SKIP, TestStore } from '../../support/build.ts';
import { killAll, repoRoot, spawnChild } from '../../support/child.ts';

const CHILD = join(repoRoot, 'tests', 'support', 'realise-child.ts');
let t: TestStore;

/** Processes whose command line holds `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(marker)) pids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('realise() in several processes', { skip: BUILD_SKIP }, () => {
  before(async () => {
    t = await TestStore.open();
  });
  after(async () => {
    killAll();
    await t.close();
  });

  it('builds each output of a graph once when two processes realise it at the same time', async () => {
    const base = await t.add({ name: 'c-base', script: 'sleep 0.3; echo base > $out' });
    const left = await t.add({ name: 'c-left', deps: [base], script: `sleep 0.2; cat ${base.out.out} > $out` });
    const right = await t.add({ name: 'c-right', deps: [base], script: `sleep 0.2; cat ${base.out.out} > $out` });
    const top = await t.add({ name: 'c-top', deps: [left, right], script: `cat ${left.out.out} ${right.out.out} > $out` });
    const children = [0, 1].map(() => spawnChild(CHILD, [t.root, top.drvPath.baseName]));
    const done = await Promise.all(children.map((c) => c.next((l) => 'done' in l, 60_000)));
    assert.deepEqual(done, [{ done: 0 }, { done: 0 }], children.map((c) => c.stderr()).join('\n'));
    const fresh = new Map<string, number>();
    for (const c of children) {
      for (const l of c.lines) if (l.event === 'build-succeeded' && l.fresh) fresh.set(l.drv as string, (fresh.get(l.drv as string) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...fresh].sort()), Object.fromEntries([base, left, right, top].map((d) => [d.drvPath.baseName, 1]).sort()));
  });

  it('leaves no valid or partial output and no builder after SIGKILL, and the next run builds it', async () => {
    const marker = `tix-sigkill-marker-${process.pid}`;
    const d = await t.add({ name: 'killme', script: `mkdir $out; echo partial > $out/part; sleep 2; echo done > $out/done # ${marker}` });
    const trees = join(t.store.realStoreDir, '.tix-builds');
    const child = spawnChild(CHILD, [t.root, d.drvPath.baseName]);
    await child.next((l) => l.event === 'build-started', 30_000);
    // Kill once the builder has written part of its output.
    const partial = () => readdirSync(trees).some((tree) => existsSync(join(trees, tree, d.out.out!.slice(11), 'part')));
    for (let i = 0; i < 500 && !partial(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(partial(), 'the builder did not start writing');
    assert.ok(processesWith(marker).length > 0);
    child.kill('SIGKILL');
    await child.exited;
    for (let i = 0; i < 200 && processesWith(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(processesWith(marker), [], 'the builder outlived tix');
    const out = new StorePath(d.out.out!.slice(11));
    assert.deepEqual(await t.store.queryValidPaths([out]), []);
    assert.equal(existsSync(t.real(d.out.out!)), false);
    const dead = `${child.pid}.`;
    assert.ok(readdirSync(trees).some((n) => n.startsWith(dead)), 'the killed run left its tree');

    // The next run takes the lock the dead process held, clears its tree and builds.
    const rerun = spawnChild(CHILD, [t.root, d.drvPath.baseName]);
    assert.deepEqual(await rerun.next((l) => 'done' in l, 60_000), { done: 0 }, rerun.stderr());
    assert.deepEqual((await t.store.queryValidPaths([out])).map(String), [out.baseName]);
    assert.equal(readFileSync(join(t.real(d.out.out!), 'done'), 'utf8'), 'done\n');
    assert.equal(readdirSync(trees).some((n) => n.startsWith(dead)), false);
  });
});
