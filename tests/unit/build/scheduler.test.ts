import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { type Job, type JobOutcome, runJobs } from '../../../src/build/scheduler.ts';

/** A graph of jobs that record what ran, with a per-job delay and optional failure. */
function graph(edges: Record<string, string[]>, opts: { fail?: string[]; kind?: Record<string, 'build' | 'substitute'>; delay?: number } = {}) {
  const ran: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const jobs: Job[] = Object.entries(edges).map(([id, deps]) => ({
    id,
    deps,
    kind: opts.kind?.[id] ?? 'build',
    async run(signal: AbortSignal) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, opts.delay ?? 5);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(new Error('aborted'));
          });
        });
        ran.push(id);
        if (opts.fail?.includes(id)) throw new Error(`${id} failed`);
      } finally {
        running--;
      }
    },
  }));
  return { jobs, ran, maxRunning: () => maxRunning };
}

const status = (m: Map<string, JobOutcome>) => Object.fromEntries([...m].map(([k, v]) => [k, v.status]));

describe('runJobs()', () => {
  it('runs a diamond in dependency order and the shared input once', async () => {
    const g = graph({ base: [], left: ['base'], right: ['base'], top: ['left', 'right'] });
    const out = await runJobs(g.jobs, { maxJobs: 4, keepGoing: false });
    assert.deepEqual(status(out), { base: 'succeeded', left: 'succeeded', right: 'succeeded', top: 'succeeded' });
    assert.equal(g.ran.filter((x) => x === 'base').length, 1);
    assert.equal(g.ran[0], 'base');
    assert.equal(g.ran[3], 'top');
  });

  it('never runs more builds at once than maxJobs', async () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 12; i++) edges[`j${i}`] = [];
    for (const max of [1, 3]) {
      const g = graph(edges);
      await runJobs(g.jobs, { maxJobs: max, keepGoing: false });
      assert.equal(g.maxRunning(), max);
      assert.equal(g.ran.length, 12);
    }
  });

  it('limits substitutions separately from builds', async () => {
    const edges: Record<string, string[]> = {};
    const kind: Record<string, 'build' | 'substitute'> = {};
    for (let i = 0; i < 6; i++) {
      edges[`s${i}`] = [];
      kind[`s${i}`] = 'substitute';
    }
    const g = graph(edges, { kind });
    await runJobs(g.jobs, { maxJobs: 1, maxSubstitutionJobs: 6, keepGoing: false });
    assert.equal(g.maxRunning(), 6);
  });

  it('fails the dependants of a failed job and stops the run without keepGoing', async () => {
    const g = graph({ bad: [], mid: ['bad'], top: ['mid'], other: [], after: ['other'] }, { fail: ['bad'] });
    const out = await runJobs(g.jobs, { maxJobs: 1, keepGoing: false });
    assert.equal(out.get('bad')!.status, 'failed');
    assert.deepEqual(out.get('mid'), { status: 'dependency-failed', failedDeps: ['bad'] });
    assert.equal(out.get('top')!.status, 'dependency-failed');
    // With one build slot, 'bad' ran first; nothing independent was started afterwards.
    assert.deepEqual(g.ran, ['bad']);
    assert.equal(out.get('after')!.status, 'cancelled');
  });

  it('builds everything that does not depend on a failure with keepGoing', async () => {
    const g = graph({ bad: [], mid: ['bad'], other: [], after: ['other'] }, { fail: ['bad'] });
    const out = await runJobs(g.jobs, { maxJobs: 1, keepGoing: true });
    assert.deepEqual(status(out), { bad: 'failed', mid: 'dependency-failed', other: 'succeeded', after: 'succeeded' });
  });

  it('cancels running jobs when a parallel job fails without keepGoing', async () => {
    const jobs: Job[] = [
      { id: 'fast', kind: 'build', deps: [], run: async () => Promise.reject(new Error('boom')) },
      {
        id: 'slow',
        kind: 'build',
        deps: [],
        run: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('killed')))),
      },
    ];
    const out = await runJobs(jobs, { maxJobs: 2, keepGoing: false });
    assert.deepEqual(status(out), { fast: 'failed', slow: 'cancelled' });
  });

  it('refuses to build with maxJobs 0 but still substitutes', async () => {
    const g = graph({ sub: [], b: ['sub'] }, { kind: { sub: 'substitute' } });
    const out = await runJobs(g.jobs, { maxJobs: 0, keepGoing: true });
    assert.equal(out.get('sub')!.status, 'succeeded');
    const b = out.get('b')!;
    assert.equal(b.status, 'failed');
    assert.match(String((b as { error: Error }).error.message), /unable to start any build/);
  });

  it('stops when the caller aborts', async () => {
    const ac = new AbortController();
    const g = graph({ a: [], b: ['a'] }, { delay: 50 });
    setTimeout(() => ac.abort(), 5);
    const out = await runJobs(g.jobs, { maxJobs: 1, keepGoing: true, signal: ac.signal });
    assert.deepEqual(status(out), { a: 'cancelled', b: 'cancelled' });
  });
});
