/**
 * ChunkQueue (src/substitute/p2p/chunk-queue.ts), the back-pressure both P2P readers use:
 * the source is paused above the high-water mark and resumed at half of it, a source that
 * cannot pause is not counted as paused, and chunks come out in order.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ChunkQueue } from '../../../../src/substitute/p2p/chunk-queue.ts';

function source(canPause = true) {
  const calls: string[] = [];
  return { calls, pause: () => (calls.push('pause'), canPause), resume: () => void calls.push('resume') };
}

describe('ChunkQueue', () => {
  it('pauses its source above the mark and resumes it once half of it is left', () => {
    const s = source();
    const q = new ChunkQueue(s, 100);
    for (let i = 0; i < 5; i++) q.push(new Uint8Array(30).fill(i));
    assert.deepEqual(s.calls, ['pause']);
    assert.equal(q.queued, 150);
    assert.deepEqual([q.take()![0], q.take()![0], q.take()![0]], [0, 1, 2]);
    assert.deepEqual(s.calls, ['pause'], '60 bytes left: more than half the mark');
    assert.equal(q.take()![0], 3);
    assert.deepEqual(s.calls, ['pause', 'resume']);
    assert.equal(q.take()![0], 4);
    assert.equal(q.take(), undefined);
    assert.equal(q.ready, false);
  });

  it('does not pause again for what the source hands over while resuming', () => {
    const calls: string[] = [];
    let q!: ChunkQueue;
    const s = { pause: () => (calls.push('pause'), true), resume: () => { calls.push('resume'); q.push(new Uint8Array(200)); } };
    q = new ChunkQueue(s, 100);
    q.push(new Uint8Array(150));
    q.take();
    // The 200 bytes handed over inside resume() are above the mark: paused once resume returned.
    assert.deepEqual(calls, ['pause', 'resume', 'pause']);
  });

  it('keeps asking a source that could not pause', () => {
    const s = source(false);
    const q = new ChunkQueue(s, 10);
    q.push(new Uint8Array(20));
    q.push(new Uint8Array(20));
    assert.deepEqual(s.calls, ['pause', 'pause']);
    q.resume();
    assert.deepEqual(s.calls, ['pause', 'pause'], 'nothing to resume');
  });

  it('wakes a waiting reader on notify', async () => {
    const q = new ChunkQueue(source(), 10);
    const waited = q.wait();
    q.push(new Uint8Array([7]));
    q.notify();
    await waited;
    assert.equal(q.take()![0], 7);
  });
});
