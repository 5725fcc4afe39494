/**
 * One process of the scale benchmark (scale.ts): runs nodes FIRST..FIRST+COUNT-1, each
 * holding PATHS `benchPath` paths in a LevelDB datastore, and answers the orchestrator's
 * commands over the IPC channel, one reply per command:
 *
 *   start {bootstrap}        → {addrs}         start the nodes (bootstrap: earlier nodes)
 *   tables {peers}           → {least}         wait (≤ 60 s) until every node knows `peers` bulk-protocol peers
 *   sweep                    → {results}       every node sweeps all its paths at once
 *   lookup {node, hashParts} → {ms, found}     one batched findProviders on a node of ours
 *   single {node, hashParts} → {latencies}     findProviders of one path at a time
 *   kad {node, hashParts}    → {ms, found}     per-key kad-dht walks, 16 at a time
 *   mem                      → {rss, heapUsed} after a GC when --expose-gc is on
 *   stop                     → {}              stop the nodes and exit
 *
 *   node bench/p2p/scale-worker.ts FIRST COUNT PATHS [QUERIER]   (QUERIER=1: the last node keeps no neighbours and no paths)
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TixNode } from '../../node/daemon.ts';
import { createLogger, silentLogger } from '../../node/log.ts';
import { MemoryPathSource, storePathKey } from '../../src/substitute/index.ts';
import { benchPath, storeDir } from './paths.ts';

const [FIRST, COUNT, PATHS, QUERIER] = process.argv.slice(2).map(Number) as [number, number, number, number];
const work = mkdtempSync(join(tmpdir(), 'tix-bench-scale-'));
const nodes = new Map<number, TixNode>();
const ms = (t0: number): number => performance.now() - t0;
/** BENCH_LOG=1: the nodes' failure lines (debug included) on stderr. */
const log = process.env.BENCH_LOG ? createLogger(`w${FIRST}`, (l) => { if (/fail|refus|timed out|error/i.test(l)) process.stderr.write(l + '\n'); }, true) : silentLogger;

type Command = { id: number; cmd: string; bootstrap?: string[]; peers?: number; node?: number; hashParts?: string[] };

async function startNodes(bootstrap: string[]): Promise<string[]> {
  const addrs: string[] = [];
  for (let i = FIRST; i < FIRST + COUNT; i++) {
    const querier = QUERIER === 1 && i === FIRST + COUNT - 1;
    const source = new MemoryPathSource();
    for (let k = 0; k < (querier ? 0 : PATHS); k++) {
      const p = benchPath(i, k);
      source.add({ storePath: p, narSize: 1, narinfo: `StorePath: ${storeDir.printPath(p)}\n` });
    }
    const node = await TixNode.create({
      stateDir: join(work, `n${i}`), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [...bootstrap, ...addrs], mdns: false,
      controlSocket: false, forceDht: true, ...(querier ? { maxNeighbours: 0 } : {}),
    }, { source, nars: source, log });
    await node.start();
    nodes.set(i, node);
    addrs.push(node.host.getMultiaddrs()[0]!.toString());
  }
  return addrs;
}

async function bulkPeers(n: TixNode): Promise<number> {
  const all = await n.host.peerStore.all({ filters: [(p) => p.protocols.includes('/tix/providers/1.0.0')] });
  return all.filter((p) => !p.id.equals(n.host.peerId)).length;
}

async function handle(c: Command): Promise<unknown> {
  const node = (): TixNode => nodes.get(c.node!)!;
  switch (c.cmd) {
    case 'start': return { addrs: await startNodes(c.bootstrap ?? []) };
    case 'tables': {
      // A dial lost at start may leave a node short of a full mesh; the sweep's region
      // lookups find the rest, so after a minute go on and report how far it got.
      const deadline = Date.now() + 60_000;
      let least = Infinity;
      for (const n of nodes.values()) {
        while ((await bulkPeers(n)) < c.peers! && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        least = Math.min(least, await bulkPeers(n));
      }
      return { least };
    }
    case 'sweep': {
      const results = await Promise.all([...nodes].filter(([, n]) => n.inventory.own.size > 0).map(([i, n]) =>
        n.announcer.sweep(Array.from({ length: PATHS }, (_, k) => benchPath(i, k).hashPart), new AbortController().signal)));
      return { results: results.map((r) => ({ records: r.records, unacknowledged: r.unacknowledged, failedPeers: r.failedPeers, missed: r.missed.length })) };
    }
    case 'lookup': {
      const t0 = performance.now();
      const r = await node().lookup.findProviders(c.hashParts!);
      return { ms: ms(t0), found: r.size };
    }
    case 'single': {
      const latencies: number[] = [];
      for (const h of c.hashParts!) {
        const t0 = performance.now();
        await node().lookup.findProviders([h]);
        latencies.push(ms(t0));
      }
      return { latencies };
    }
    case 'kad': {
      const t0 = performance.now();
      let found = 0;
      let next = 0;
      const hs = c.hashParts!;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < hs.length) {
          const ac = new AbortController();
          try {
            for await (const ev of node().host.services.dht.findProviders(storePathKey(storeDir.dir, hs[next++]!), { signal: ac.signal })) {
              if (ev.name === 'PROVIDER') { found++; ac.abort(); break; }
            }
          } catch {
            // aborted after the first provider, or the walk failed: counted as not found
          }
        }
      }));
      return { ms: ms(t0), found };
    }
    case 'mem': {
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed };
    }
    case 'stop': {
      await Promise.allSettled([...nodes.values()].map((n) => n.stop()));
      rmSync(work, { recursive: true, force: true });
      return {};
    }
    default: throw new Error(`unknown command ${c.cmd}`);
  }
}

process.on('message', (c: Command) => {
  handle(c).then(
    (r) => {
      process.send!({ id: c.id, ok: true, ...(r as object) });
      if (c.cmd === 'stop') process.disconnect();
    },
    (e: Error) => process.send!({ id: c.id, ok: false, error: e.message }),
  );
});
// The orchestrator going away (Ctrl-C, a crash) ends this worker too.
process.on('disconnect', () => {
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
});
