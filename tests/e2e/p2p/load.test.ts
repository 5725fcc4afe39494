/**
 * The fast subset of issue 6's load scenarios (`npm run soak` runs the full ones): real nodes
 * on loopback, correctness only — every path valid and verified with contents, nothing bad,
 * no temporary left — never timing.
 *
 * - serve: one `tix node start` serves a 60-path closure to 5 fetching nodes at once (more
 *   paths than a server takes streams per peer: before the client queued its requests,
 *   every fetcher lost some of them to "busy" refusals and stream resets);
 * - dht: 12 nodes, one leaves and one joins; lookups name only real holders, never the node
 *   that left (inventories), and kad walks find every live node's paths, the newcomer's too;
 * - closure: a 100-path closure from 2 providers, killed and restarted in turn while it
 *   streams in.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeClosure } from '../../../bench/soak/closure-gen.ts';
import { runClosure } from '../../../bench/soak/closure.ts';
import { DhtNodes, type NodeInfo } from '../../../bench/soak/dht-nodes.ts';
import { FetcherPool } from '../../../bench/soak/fetchers.ts';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';

describe('load: one node serving many fetching peers', () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-load-serve-'));
  const pool = new FetcherPool(work);
  let server: NodeProcess | undefined;
  after(async () => {
    await pool.stop();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('gives all 5 fetchers the whole 60-path closure, verified, with no refusal', async () => {
    const closure = await makeClosure(join(work, 'server'), { count: 60, seed: 5, maxBytes: 64 * 1024 }, work);
    server = await NodeProcess.start({ args: ['--store', join(work, 'server')] });
    await pool.start(5, 'f', [server.address]);
    await pool.awaitInventories([server.peerId]);
    // What `tix build` asks the node first: every narinfo, from one batched request per fetcher.
    assert.deepEqual(await pool.narinfoCounts(closure.paths), [60, 60, 60, 60, 60]);
    const results = await pool.fetch(0, closure.paths, 30_000);
    for (const r of results) {
      assert.equal(r.failed, 0, `${r.name}: ${r.failedSample.join('; ')}`);
      assert.equal(r.substituted, 60);
      assert.deepEqual(Object.keys(r.byPeer), [server.peerId]);
    }
    for (const v of await pool.verify(closure.paths)) {
      assert.deepEqual(v.bad, [], v.name);
      assert.equal(v.missing, 0, v.name);
      assert.equal(v.temporaries, 0, v.name);
      assert.equal(v.checked, 60);
    }
    const t = (await server.refresh()).transfers;
    assert.equal(t.requestsRefused, 0);
    assert.equal(t.narsServed, 5 * 60);
    assert.equal(t.narinfosServed, 2 * 5 * 60);
  });
});

describe('load: a DHT with churn', () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-load-dht-'));
  const PATHS = 5;
  // forceDht: in a network this small every node may be every other's neighbour, and a node
  // then skips its DHT sweep (inventories cover it); the kad walks below need the records.
  const nodes = new DhtNodes(work, PATHS, { forceDht: true });
  after(async () => {
    await nodes.stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds only real holders while one node leaves and another joins', async () => {
    const infos: NodeInfo[] = [];
    for (let i = 0; i < 12; i++) infos.push(await nodes.join(i, infos.slice(-4).map((n) => n.address)));
    const peerOf = (i: number): string => infos.find((n) => n.index === i)!.peerId;
    // Records written once the network is formed (as bench/p2p/lookup.ts does): the nodes'
    // own first sweeps ran while their routing tables held only their bootstrap peers.
    await waitFor('routing tables', () => (nodes.infos().every((n) => n.routingTable >= 3) ? true : undefined), 60_000, 200);
    for (const n of infos) assert.ok(await nodes.sweep(n.index) > 0, `node ${n.index} delivered provider records`);
    await nodes.leave(3);
    infos.push(await nodes.join(12, [infos[0]!.address, infos[7]!.address]));
    await waitFor('the newcomer\'s routing table', () => (nodes.info(12).routingTable >= 2 ? true : undefined), 60_000, 200);
    assert.ok(await nodes.sweep(12) > 0, 'the newcomer delivered provider records');
    const lookup = (mode: 'kad' | 'tix', t: number): Promise<string[]> => waitFor(`node 0 to find node ${t}'s path (${mode})`, async () => {
      const ps = await nodes.providersOf(mode, 0, t, t % PATHS, 10_000);
      return ps.length > 0 ? ps : undefined;
    }, 30_000, 250);
    // Neighbours' paths come from their inventories: exactly the holder.
    for (const t of [1, 2, 4]) assert.deepEqual(await lookup('tix', t), [peerOf(t)]);
    // The node that left is never named once its inventory is gone.
    assert.deepEqual(await nodes.providersOf('tix', 0, 3, 3 % PATHS, 10_000), []);
    // Kad walks find every live node's path, the newcomer's included, naming only its holder.
    // (main's batched DHT lookup behind a tix lookup is left out: it is being fixed elsewhere.)
    for (const t of [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
      for (const p of await lookup('kad', t)) assert.equal(p, peerOf(t), `provider of node ${t}'s path`);
    }
  });
});

describe('load: a closure while providers come and go', () => {
  it('makes every path of a 100-path closure valid and verified although providers are killed mid-transfer', async () => {
    const f = await runClosure({ paths: 100, providers: 2, maxBytes: 64 * 1024, durationS: 0, seed: 9, killEveryMs: 200, downMs: 300 });
    const [r] = f.rounds;
    assert.ok(r!.kills >= 1, 'a provider was killed during the substitution');
    assert.equal(r!.valid, 100, f.failureSample.join('\n'));
    assert.equal(r!.bad, 0, f.badSample.join('\n'));
    assert.equal(Object.values(r!.byProvider).reduce((a, b) => a + b, 0), 100);
  });
});
