/**
 * Lookup benchmark: NODES tix nodes in this process (loopback, no mDNS, each with the
 * earlier nodes as static peers), each holding PATHS paths. Once the batched announcer has swept every node's
 * paths into the DHT, resolve QUERY paths held by other nodes three ways:
 *
 *   inventory   node 0: neighbours' Bloom filters + one have-request per neighbour (tix)
 *   tix DHT     a node with no neighbours: batched GET_PROVIDERS by keyspace region (tix)
 *   kad walks   the same node, one js kad-dht findProviders walk per key (16 at a time)
 *
 * plus single-path latency (median of 50) for each, and the announce cost: the tix sweep
 * against plain kad-dht provide() of 100 keys (16 at a time).
 *
 *   node bench/p2p/lookup.ts [NODES=6] [PATHS=2000] [QUERY=1000]     (BENCH_LOG=1: node logs)
 */

import { TixNode } from '../../node/daemon.ts';
import { createLogger } from '../../node/log.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryPathSource, storePathKey } from '../../src/substitute/index.ts';
import { percentiles, prng } from '../support/bench.ts';
import { benchPath, storeDir } from './paths.ts';

const NODES = Number(process.argv[2] ?? 6);
const PATHS = Number(process.argv[3] ?? 2000);
const QUERY = Number(process.argv[4] ?? 1000);
const log = createLogger('bench', process.env.BENCH_LOG ? (l) => process.stderr.write(l + '\n') : () => {}, Boolean(process.env.BENCH_LOG));
const work = mkdtempSync(join(tmpdir(), 'tix-bench-lookup-'));

const ms = (t0: number): number => performance.now() - t0;
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function makeNode(i: number, paths: number, bootstrap: string[], opts: { maxNeighbours?: number } = {}): Promise<TixNode> {
  const source = new MemoryPathSource();
  for (let k = 0; k < paths; k++) {
    const p = benchPath(i, k);
    source.add({ storePath: p, narSize: 1, narinfo: `StorePath: ${storeDir.printPath(p)}\n` });
  }
  const node = await TixNode.create({
    stateDir: join(work, `n${i}`), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, mdns: false,
    // persistent: a LevelDatastore in the state dir, as `tix node start` runs. (In memory, js
    // kad-dht's provider lookup is a prefix query that scans every record the node holds.)
    persistent: process.env.BENCH_MEMORY_DATASTORE ? false : true, controlSocket: false, forceDht: true, ...opts,
  }, { source, nars: source, log });
  await node.start();
  return node;
}

async function until(what: string, f: () => boolean, timeoutMs = 60_000): Promise<number> {
  const t0 = performance.now();
  while (!f()) {
    if (ms(t0) > timeoutMs) throw new Error(`timed out waiting for ${what}: routing tables ${nodes.map(dhtSize).join(',')}, node 0 neighbours ${nodes[0]!.inventory.neighbours.size}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return ms(t0);
}

const dhtSize = (n: TixNode): number => (n.host.services.dht as unknown as { routingTable: { size: number } }).routingTable.size;

const tStart = performance.now();
const nodes: TixNode[] = [await makeNode(0, PATHS, [])];
// Each node gets the earlier ones as static peers: js kad-dht fills a new node's routing table
// from the bootstrap peer only at its next self-lookup, minutes later.
for (let i = 1; i < NODES; i++) nodes.push(await makeNode(i, PATHS, nodes.map((n) => n.host.getMultiaddrs()[0]!.toString())));
const boot = nodes.map((n) => n.host.getMultiaddrs()[0]!.toString());
await until('routing tables', () => nodes.every((n) => dhtSize(n) >= NODES - 1));
await until('inventories', () => nodes[0]!.inventory.neighbours.size >= NODES - 1);
// The first automatic sweeps ran while the routing tables were filling; sweep once more with
// the whole network known, all nodes at once, and time that.
const tSweep = performance.now();
const sweeps = await Promise.all(nodes.map((n, i) => n.announcer.sweep(Array.from({ length: PATHS }, (_, k) => benchPath(i, k).hashPart), new AbortController().signal)));
const sweepMs = ms(tSweep);
console.log(`lookup benchmark: ${NODES} nodes x ${PATHS} paths on loopback, one process (shared 2-core machine)`);
console.log(`  all ${NODES} nodes sweep all ${NODES * PATHS} paths into the DHT at once: ${fmt(sweepMs)} ms`
  + ` (${sweeps.reduce((a, r) => a + r.records, 0)} provider records stored and acknowledged, ${sweeps.reduce((a, r) => a + r.unacknowledged, 0)} unacknowledged,`
  + ` ${sweeps.reduce((a, r) => a + r.failedPeers, 0)} failed peer batches, in ${sweeps.reduce((a, r) => a + r.regions, 0)} region batches); network up ${fmt(ms(tStart) / 1000)} s after start`);

// A querying node with no neighbours: everything it finds comes from the DHT.
const q = await makeNode(NODES, 0, boot, { maxNeighbours: 0 });
await until('query node routing table', () => dhtSize(q) >= NODES);

const rnd = prng(42);
const picked = new Set<string>();
while (picked.size < Math.min(QUERY, (NODES - 1) * PATHS)) picked.add(benchPath(1 + Math.floor(rnd() * (NODES - 1)), Math.floor(rnd() * PATHS)).hashPart);
const sample = [...picked];

async function timeBatch(f: () => Promise<Map<string, string[]>>): Promise<{ ms: number; found: number }> {
  const t0 = performance.now();
  const r = await f();
  return { ms: ms(t0), found: r.size };
}

async function kadFirstProvider(hashPart: string): Promise<boolean> {
  const ac = new AbortController();
  try {
    for await (const ev of q.host.services.dht.findProviders(storePathKey(storeDir.dir, hashPart), { signal: ac.signal })) {
      if (ev.name === 'PROVIDER') { ac.abort(); return true; }
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
    return true;
  }
  return false;
}

const inv = await timeBatch(() => nodes[0]!.lookup.findProviders(sample));
const dht = await timeBatch(() => q.lookup.findProviders(sample));
let kadFound = 0;
const tKad = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < sample.length) if (await kadFirstProvider(sample[next++]!)) kadFound++;
}));
const kadMs = ms(tKad);

const single = async (f: (h: string) => Promise<unknown>): Promise<ReturnType<typeof percentiles>> => {
  const lat: number[] = [];
  for (const h of sample.slice(0, 50)) {
    const t0 = performance.now();
    await f(h);
    lat.push(ms(t0));
  }
  return percentiles(lat);
};
const sInv = await single((h) => nodes[0]!.lookup.findProviders([h]));
const sDht = await single((h) => q.lookup.findProviders([h]));
const sKad = await single((h) => kadFirstProvider(h));

console.log(`  resolve ${QUERY} paths held by other nodes:`);
console.log(`    inventory batch (tix)       ${fmt(inv.ms)} ms  found ${inv.found}/${QUERY}`);
console.log(`    batched DHT (tix)           ${fmt(dht.ms)} ms  found ${dht.found}/${QUERY}`);
console.log(`    per-key kad-dht walks (x16) ${fmt(kadMs)} ms  found ${kadFound}/${QUERY}`);
console.log(`    ratio kad walks / inventory ${fmt(kadMs / inv.ms)}x, kad walks / batched DHT ${fmt(kadMs / dht.ms)}x`);
console.log(`  single-path lookup, median / p95 of 50:`);
console.log(`    inventory ${fmt(sInv.median)} / ${fmt(sInv.p95)} ms, batched DHT ${fmt(sDht.median)} / ${fmt(sDht.p95)} ms, kad walk ${fmt(sKad.median)} / ${fmt(sKad.p95)} ms`);

// Announce cost: plain kad-dht provide of 100 fresh keys, 16 at a time, from the query node.
const tProv = performance.now();
let pn = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (pn < 100) {
    const i = pn++;
    for await (const _ of q.host.services.dht.provide(storePathKey(storeDir.dir, benchPath(NODES + 1, i).hashPart))) { /* drain */ }
  }
}));
const provRate = 100 / (ms(tProv) / 1000);
const sweepRate = (NODES * PATHS) / (sweepMs / 1000);
console.log(`  announce: kad-dht provide() ${fmt(provRate)} keys/s; tix batched sweeps ${fmt(sweepRate)} keys/s (all nodes) (${fmt(sweepRate / provRate)}x)`);

await Promise.all([...nodes, q].map((n) => n.stop()));
rmSync(work, { recursive: true, force: true });
process.exit(0);
