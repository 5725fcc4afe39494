import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PeerSlots } from '../../../../src/substitute/p2p/peer-slots.ts';

describe('PeerSlots', () => {
  it('runs at most max jobs per peer at once, the rest in arrival order, other peers unaffected', async () => {
    const slots = new PeerSlots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const job = (i: number) => slots.run('a', async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => gates.push(r));
      order.push(i);
      running--;
      return i;
    });
    const jobs = [0, 1, 2, 3, 4].map(job);
    // Another peer gets its own slots while 'a' is full.
    assert.equal(await slots.run('b', async () => 'b'), 'b');
    for (let k = 0; k < 5; k++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4]);
    assert.equal(most, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(slots.peers, 0);
  });

  it('releases the slot when the job fails', async () => {
    const slots = new PeerSlots(1);
    await assert.rejects(slots.run('a', async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await slots.run('a', async () => 1), 1);
    assert.equal(slots.peers, 0);
  });
});
