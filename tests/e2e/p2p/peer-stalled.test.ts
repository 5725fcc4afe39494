/**
 * A provider that stops sending mid-NAR while its connection stays open: stopped with
 * SIGSTOP (the kernel still acknowledges TCP), or a slowloris that sends a few KiB and then
 * nothing while answering everything else. The fetching node (a real `tix node start` with
 * `stalled-download-timeout` 2) gives up on it after the timeout and substitutes from the
 * other provider; nothing partial is left, and the stopped provider, resumed with SIGCONT,
 * still stops cleanly.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { BUILD_SKIP } from '../../support/build.ts';
import { addRandomTree, assertNothingPartial, connect, copyFrom, firstSender, startFetcher, startProvider } from '../../support/net-faults.ts';
import type { NodeProcess } from '../../support/p2p-node.ts';
import { waitFor } from '../../support/p2p-node.ts';

describe('a provider that stalls mid-transfer', { skip: BUILD_SKIP }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-netfault-stall-'));
  const root = (n: string): string => join(work, n);
  const nodes: NodeProcess[] = [];
  const stopped = new Set<number>();
  let b: NodeProcess;
  let paths: string[];

  before(async () => {
    paths = [];
    for (const name of ['sigstop', 'slowloris']) paths.push(await addRandomTree(work, name, 512 * 1024, [root('p1'), root('p2')]));
    b = await startFetcher(root('b'));
    nodes.push(b);
  });

  after(async () => {
    // A stopped process cannot act on SIGTERM: resume it first.
    for (const pid of stopped) { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } }
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  async function providers(env: NodeJS.ProcessEnv = {}): Promise<NodeProcess[]> {
    const ps = await Promise.all([startProvider(root('p1'), env), startProvider(root('p2'), env)]);
    nodes.push(...ps);
    await connect(b, ps);
    return ps;
  }

  it('gives up on a provider stopped with SIGSTOP after the stall timeout and uses the other', async (t) => {
    const ps = await providers();
    const path = paths[0]!;
    const copy = copyFrom(b, path);
    const victim = await firstSender(ps, path);
    process.kill(victim.status.pid, 'SIGSTOP');
    stopped.add(victim.status.pid);
    const at = performance.now();
    const r = await copy;
    t.diagnostic(`copy finished ${Math.round(performance.now() - at)} ms after the SIGSTOP`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${path}\n`);
    assert.match(r.stderr, new RegExp(`rejected '${path}' from ${victim.peerId}: .*stalled: no data for 2000 ms`));
    await assertNothingPartial(root('b'));
    // Resumed, the provider finds its stream gone and still shuts down cleanly.
    process.kill(victim.status.pid, 'SIGCONT');
    stopped.delete(victim.status.pid);
    assert.equal(await victim.stop(), 0, victim.log);
    for (const p of ps) await p.stop();
  });

  it('gives up on a slowloris provider that keeps its connection alive and uses the other', async (t) => {
    // One provider (whichever is asked first) sends 40 KiB of the NAR, then nothing.
    const ps = await providers({ TIX_TEST_STALL_AFTER: String(40 * 1024), TIX_TEST_STALL_TOKEN: join(work, 'stall-token') });
    const path = paths[1]!;
    const copy = copyFrom(b, path);
    const victim = await waitFor('a provider to stall', () => ps.find((p) => p.log.includes('paced-node: stalling')), 20_000, 10);
    const at = performance.now();
    const r = await copy;
    t.diagnostic(`copy finished ${Math.round(performance.now() - at)} ms after the provider stalled`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${path}\n`);
    assert.match(r.stderr, new RegExp(`rejected '${path}' from ${victim.peerId}: .*stalled: no data for 2000 ms`));
    // The slowloris is still connected to B: only the stream was dropped.
    assert.ok((await b.refresh()).peers.some((p) => p.peerId === victim.peerId), 'the stalling provider is still connected');
    await assertNothingPartial(root('b'));
  });
});
