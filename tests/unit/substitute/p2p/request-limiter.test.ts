/**
 * PeerRequestLimiter (the client's side of the servers' per-peer limits) and NarinfoBatcher
 * (one narinfo request per provider for everything asked in the same turn).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { MAX_CONCURRENT_PER_PEER, NarinfoBatcher, PeerRequestLimiter } from '../../../../src/substitute/index.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('PeerRequestLimiter', () => {
  it('runs at most the protocol limit per peer at once and queues the rest in order', async () => {
    const limiter = new PeerRequestLimiter();
    const max = MAX_CONCURRENT_PER_PEER.nar;
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const jobs = Array.from({ length: 3 * max }, (_, i) => limiter.run('A', 'nar', async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise<void>((r) => gates.push(r));
      running--;
    }));
    await tick();
    assert.deepEqual(limiter.load('A', 'nar'), { active: max, waiting: 2 * max });
    for (let done = 0; done < 3 * max; done++) {
      while (gates.length === 0) await tick();
      gates.shift()!();
      await tick();
    }
    await Promise.all(jobs);
    assert.equal(peak, max);
    assert.deepEqual(order, Array.from({ length: 3 * max }, (_, i) => i));
    assert.deepEqual(limiter.load('A', 'nar'), { active: 0, waiting: 0 });
  });

  it('limits each peer and each protocol separately', async () => {
    const limiter = new PeerRequestLimiter({ narinfo: 1, nar: 1, have: 1 });
    const hold = Promise.withResolvers<void>();
    const a = limiter.run('A', 'nar', () => hold.promise);
    // Another peer, or another protocol to the same peer, is not held up by A's nar request.
    assert.equal(await limiter.run('B', 'nar', async () => 'b'), 'b');
    assert.equal(await limiter.run('A', 'narinfo', async () => 'i'), 'i');
    hold.resolve();
    await a;
  });

  it('frees the slot when the job fails', async () => {
    const limiter = new PeerRequestLimiter({ narinfo: 1, nar: 1, have: 1 });
    await assert.rejects(limiter.run('A', 'nar', async () => { throw new Error('reset'); }), /reset/);
    assert.equal(await limiter.run('A', 'nar', async () => 'next'), 'next');
  });

  it('drops a waiting request whose signal fires, without taking a slot', async () => {
    const limiter = new PeerRequestLimiter({ narinfo: 1, nar: 1, have: 1 });
    const hold = Promise.withResolvers<void>();
    const first = limiter.run('A', 'nar', () => hold.promise);
    const ac = new AbortController();
    const waiting = limiter.run('A', 'nar', async () => 'never', ac.signal);
    ac.abort(new Error('cancelled'));
    await assert.rejects(waiting, /cancelled/);
    assert.deepEqual(limiter.load('A', 'nar'), { active: 1, waiting: 0 });
    hold.resolve();
    await first;
    assert.deepEqual(limiter.load('A', 'nar'), { active: 0, waiting: 0 });
  });
});

describe('NarinfoBatcher', () => {
  it('sends everything asked of one peer in the same turn as one request', async () => {
    const calls: [string, string[]][] = [];
    const b = new NarinfoBatcher(async (peer, hs) => {
      calls.push([peer, hs]);
      return new Map(hs.filter((h) => h !== 'absent').map((h) => [h, `narinfo of ${h} from ${peer}`]));
    });
    const got = await Promise.all([b.get('A', 'x'), b.get('A', 'y'), b.get('B', 'x'), b.get('A', 'x'), b.get('A', 'absent')]);
    assert.deepEqual(got, ['narinfo of x from A', 'narinfo of y from A', 'narinfo of x from B', 'narinfo of x from A', undefined]);
    assert.deepEqual(calls, [['A', ['x', 'y', 'absent']], ['B', ['x']]]);
    // A later turn is a new request.
    assert.equal(await b.get('A', 'z'), 'narinfo of z from A');
    assert.equal(calls.length, 3);
  });

  it('fails every waiter of a batch whose request fails', async () => {
    const b = new NarinfoBatcher(async () => { throw new Error('peer gone'); });
    const r = await Promise.allSettled([b.get('A', 'x'), b.get('A', 'y')]);
    assert.deepEqual(r.map((x) => x.status), ['rejected', 'rejected']);
  });
});
