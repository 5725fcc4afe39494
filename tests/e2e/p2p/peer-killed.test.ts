/**
 * A provider killed (SIGKILL) while a NAR is on the wire: the fetching node (a real `tix
 * node start`) drops it and substitutes from the other provider, or reports the failure
 * when no provider is left; either way its store verifies clean and holds no temporary.
 * The providers are real tix nodes that send NARs slowly (tests/support/paced-node.ts), so
 * the kill lands mid-transfer; whichever provider is asked first is the one killed.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { BUILD_SKIP } from '../../support/build.ts';
import { addRandomTree, assertNothingPartial, connect, copyFrom, firstSender, startFetcher, startProvider, tix } from '../../support/net-faults.ts';
import type { NodeProcess } from '../../support/p2p-node.ts';

describe('a provider killed mid-transfer', { skip: BUILD_SKIP }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-netfault-kill-'));
  const root = (n: string): string => join(work, n);
  const nodes: (NodeProcess | undefined)[] = [];
  let p1: NodeProcess;
  let p2: NodeProcess;
  let b: NodeProcess;
  let both: string;
  let onlyP1: string;

  before(async () => {
    // 512 KiB: 32 paced pieces of 16 KiB, about 0.7 s on the wire.
    both = await addRandomTree(work, 'both', 512 * 1024, [root('p1'), root('p2')]);
    onlyP1 = await addRandomTree(work, 'only-p1', 512 * 1024, [root('p1')]);
    [p1, p2, b] = await Promise.all([startProvider(root('p1')), startProvider(root('p2')), startFetcher(root('b'))]);
    nodes.push(p1, p2, b);
    await connect(b, [p1, p2]);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n?.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  it('falls back to the other provider and registers only the complete path', async (t) => {
    const copy = copyFrom(b, both);
    const victim = await firstSender([p1, p2], both);
    process.kill(victim.status.pid, 'SIGKILL');
    const killed = performance.now();
    const r = await copy;
    t.diagnostic(`copy finished ${Math.round(performance.now() - killed)} ms after the kill`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${both}\n`);
    assert.match(r.stderr, new RegExp(`rejected '${both}' from ${victim.peerId}`));
    assert.equal((await tix(['store', 'path-info', '--store', root('b'), both])).status, 0);
    await assertNothingPartial(root('b'));
  });

  it('reports the failure when the only provider dies, leaving nothing behind', async (t) => {
    // p1 may be the one killed above: start it again on the same store.
    if (p1.child.exitCode !== null || p1.child.signalCode !== null) {
      await p1.stop();
      p1 = await startProvider(root('p1'));
      nodes.push(p1);
      await connect(b, [p1]);
    }
    const copy = copyFrom(b, onlyP1);
    await firstSender([p1], onlyP1);
    process.kill(p1.status.pid, 'SIGKILL');
    const killed = performance.now();
    const r = await copy;
    t.diagnostic(`copy failed ${Math.round(performance.now() - killed)} ms after the kill`);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`'${onlyP1}'`));
    assert.notEqual((await tix(['store', 'path-info', '--store', root('b'), onlyP1])).status, 0);
    await assertNothingPartial(root('b'));
  });
});
