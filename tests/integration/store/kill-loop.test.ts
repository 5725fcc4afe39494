/**
 * The SIGKILL soak (bench/soak/kill-loop.ts) in a short seeded run: `tix` killed at random
 * moments while it adds, builds, collects garbage, deletes and substitutes from an HTTP cache; after each kill the store
 * verifies clean with contents, holds no temporaries or unregistered paths, and the work
 * completes on retry. (cli.test.ts covers many kills of one `store add`; this one mixes
 * the phases.) `TIX_KILL_SOAK=N` changes the number of iterations.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PHASES, runKillLoop } from '../../../bench/soak/kill-loop.ts';
import { BUILD_SKIP } from '../../support/build.ts';

describe('tix under SIGKILL in add, build, gc, delete and substitute', { skip: BUILD_SKIP }, () => {
  const iterations = Number(process.env.TIX_KILL_SOAK ?? 6);
  // Rough runtimes on a loaded 2-core machine, so the test skips the timing runs; they only
  // spread the kill moments (a kill after the process is done is counted, not failed).
  const typicalMs = { add: 900, build: 1600, gc: 800, delete: 600, substitute: 1200 };
  it(`keeps the store consistent through ${iterations} seeded kills, and every retry completes`, { timeout: 120_000 }, async () => {
    const r = await runKillLoop({ iterations, seed: 15, cliVerifyEvery: 3, typicalMs, roundRobin: true });
    assert.deepEqual(r.failures, []);
    assert.equal(r.iterations, iterations);
    const killed = PHASES.reduce((n, p) => n + r.phases[p].killed, 0);
    assert.ok(killed > 0, 'no kill landed before the process finished');
    for (const p of PHASES) assert.ok(r.phases[p].runs > 0, `no ${p} run`);
  });
});
