/**
 * NarinfoBatcher: one narinfo request per provider for everything asked in the same turn
 * (a closure of 2,000 paths from one provider is one round trip, not 2,000).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NarinfoBatcher } from '../../../../src/substitute/index.ts';

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
