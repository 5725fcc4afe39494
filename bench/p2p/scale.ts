/**
 * Scale benchmark (issue 5 (b)): NODES tix nodes spread over PROCS processes on loopback,
 * each holding PATHS paths, plus one querying node with no paths and no neighbours (its own
 * process, joining after the sweeps). Every
 * node sweeps all its paths into the DHT through the bulk provider protocol, twice (the
 * announcement, then a re-announcement); then a QUERY-path closure held by other nodes is
 * resolved three ways — neighbours' inventories (node 0), tix's batched DHT lookup (the
 * querier), per-key kad-dht walks (the querier, on 100 of the paths) — with single-path
 * latencies and the memory of each process per node.
 *
 *   node bench/p2p/scale.ts [NODES=20] [PATHS=5000] [PROCS=4] [QUERY=1000]
 *
 * Sweeping is forced (`forceDht`): in a network this small every node is every other's
 * neighbour and tix would answer every lookup from inventories and skip the DHT altogether.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { percentiles, prng } from '../support/bench.ts';
import { benchPath } from './paths.ts';

const NODES = Number(process.argv[2] ?? 20);
const PATHS = Number(process.argv[3] ?? 5000);
const PROCS = Math.min(Number(process.argv[4] ?? 4), NODES);
const QUERY = Number(process.argv[5] ?? 1000);
const ms = (t0: number): number => performance.now() - t0;
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mib = (b: number): string => (b / 1048576).toFixed(0);

class Worker {
  readonly child: ChildProcess;
  readonly first: number;
  readonly count: number;
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  constructor(first: number, count: number, querier: boolean) {
    this.first = first;
    this.count = count;
    this.child = fork(join(import.meta.dirname, 'scale-worker.ts'), [String(first), String(count), String(PATHS), querier ? '1' : '0'], {
      execArgv: ['--no-warnings', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const w = this.#waiting.get(m.id);
      this.#waiting.delete(m.id);
      if (m.ok) w?.resolve(m);
      else w?.reject(new Error(`worker ${first}: ${m.error}`));
    });
    this.child.on('exit', (code) => {
      for (const w of this.#waiting.values()) w.reject(new Error(`worker ${first} exited with ${code}`));
      this.#waiting.clear();
    });
  }

  call<T = any>(cmd: string, args: object = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.child.send({ id, cmd, ...args });
    });
  }

  has(node: number): boolean {
    return node >= this.first && node < this.first + this.count;
  }
}

const querier = NODES; // node index of the querying node (no paths, no neighbours)
const workers: Worker[] = [];
const per = Math.ceil(NODES / PROCS);
for (let first = 0; first < NODES; first += per) workers.push(new Worker(first, Math.min(per, NODES - first), false));
const on = (node: number): Worker => workers.find((w) => w.has(node))!;

try {
  const tStart = performance.now();
  const addrs: string[] = [];
  for (const w of workers) addrs.push(...(await w.call<{ addrs: string[] }>('start', { bootstrap: addrs })).addrs);
  const least = Math.min(...(await Promise.all(workers.map((w) => w.call<{ least: number }>('tables', { peers: NODES - 1 })))).map((r) => r.least));
  const upMs = ms(tStart);
  console.log(`scale benchmark: ${NODES} nodes x ${PATHS} paths (${NODES * PATHS} paths) + 1 querying node, ${workers.length} + 1 processes, loopback (shared 2-core machine)`);
  console.log(`  network up: ${fmt(upMs / 1000)} s after start; every node knows at least ${least} of the ${NODES - 1} others`);

  type Sweep = { records: number; unacknowledged: number; failedPeers: number; missed: number };
  for (const label of ['announce', 're-announce']) {
    const t0 = performance.now();
    const rs = (await Promise.all(workers.map((w) => w.call<{ results: Sweep[] }>('sweep')))).flatMap((r) => r.results);
    const sum = (f: (r: Sweep) => number): number => rs.reduce((a, r) => a + f(r), 0);
    console.log(`  ${label}: all nodes sweep all paths at once: ${fmt(ms(t0) / 1000)} s, ${sum((r) => r.records)} records stored and acknowledged`
      + ` (${fmt(sum((r) => r.records) / (ms(t0) / 1000))}/s), ${sum((r) => r.unacknowledged)} unacknowledged, ${sum((r) => r.failedPeers)} failed peer batches, ${sum((r) => r.missed)} keys missed`
      + (label === 'announce' ? `; every path findable ${fmt(ms(tStart) / 1000)} s after the nodes started` : ''));
  }

  // The querier joins after the sweeps, in its own process: had it been there, it would hold
  // every record itself (K = 20 covers the whole network) and kad-dht would answer locally.
  const q = new Worker(querier, 1, true);
  workers.push(q);
  await q.call('start', { bootstrap: addrs });
  const qPeers = (await q.call<{ least: number }>('tables', { peers: NODES })).least;
  console.log(`  querying node joined; knows ${qPeers} of ${NODES} nodes`);

  const rnd = prng(7);
  const picked = new Set<string>();
  while (picked.size < Math.min(QUERY, (NODES - 1) * PATHS)) picked.add(benchPath(1 + Math.floor(rnd() * (NODES - 1)), Math.floor(rnd() * PATHS)).hashPart);
  const sample = [...picked];
  const inv = await on(0).call<{ ms: number; found: number }>('lookup', { node: 0, hashParts: sample });
  const dht = await on(querier).call<{ ms: number; found: number }>('lookup', { node: querier, hashParts: sample });
  const kad = await on(querier).call<{ ms: number; found: number }>('kad', { node: querier, hashParts: sample.slice(0, 100) });
  console.log(`  resolve a ${sample.length}-path closure held by other nodes:`);
  console.log(`    inventory batch (tix, node 0)          ${fmt(inv.ms)} ms  found ${inv.found}/${sample.length}`);
  console.log(`    batched DHT (tix, no neighbours)       ${fmt(dht.ms)} ms  found ${dht.found}/${sample.length}`);
  console.log(`    per-key kad-dht walks (x16), 100 paths ${fmt(kad.ms)} ms  found ${kad.found}/100  (~${fmt((kad.ms * sample.length) / 100 / 1000)} s for ${sample.length})`);
  const single = async (node: number): Promise<ReturnType<typeof percentiles>> =>
    percentiles((await on(node).call<{ latencies: number[] }>('single', { node, hashParts: sample.slice(100, 150) })).latencies);
  const sInv = await single(0);
  const sDht = await single(querier);
  console.log(`  single-path lookup, median / p95 of 50: inventory ${fmt(sInv.median)} / ${fmt(sInv.p95)} ms, batched DHT ${fmt(sDht.median)} / ${fmt(sDht.p95)} ms`);
  const holders = workers.filter((w) => w !== q);
  const mem = await Promise.all(holders.map((w) => w.call<{ rss: number; heapUsed: number }>('mem')));
  console.log(`  memory per node holding paths and records (process RSS / JS heap after GC, divided by its nodes): ${holders.map((w, i) => `${mib(mem[i]!.rss / w.count)}/${mib(mem[i]!.heapUsed / w.count)}`).join(', ')} MiB`);
} finally {
  await Promise.allSettled(workers.map((w) => w.call('stop')));
  for (const w of workers) w.child.kill();
}
process.exit(0);
