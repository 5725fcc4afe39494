/**
 * Load scenario "dht": NODES tix nodes spread over WORKERS processes form one DHT on
 * loopback (each new node bootstraps from a few random earlier ones), each announcing PATHS
 * paths with main's batched announcer. Once routing tables and first sweeps are done,
 * every worker runs lookups on its nodes for paths of other nodes (dht-nodes.ts: a kad walk
 * and a tix lookup in turn) while the orchestrator churns the network: every CHURN ms one
 * random node leaves and a new one joins in a random worker. A node's paths become lookup
 * targets SETTLE ms after it joined and stop being targets when it leaves.
 *
 * Figures per lookup mode: lookups, found, not found, failures, median/p95 latency; churn
 * counts; peak RSS per worker process (each holds NODES/WORKERS nodes).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentiles, prng } from '../support/bench.ts';
import { LOOKUP_MODES, type LookupMode, type LookupStats, type NodeInfo } from './dht-nodes.ts';
import { WorkerProcess } from './ipc.ts';

export interface DhtOptions {
  nodes: number;
  workers: number;
  paths: number;
  durationS: number;
  /** One node leaves and one joins every this many ms (0: no churn). */
  churnEveryMs: number;
  settleMs: number;
  /** Lookup loops per worker. */
  concurrency: number;
  timeoutMs: number;
  seed: number;
  /** Bootstrap peers given to each joining node. */
  bootstrapPeers: number;
  log?: (line: string) => void;
}

export interface DhtModeFigures {
  lookups: number;
  found: number;
  notFound: number;
  failures: number;
  medianMs: number;
  p95Ms: number;
  failureSample: string[];
}

export interface DhtFigures {
  options: DhtOptions;
  upMs: number;
  lookupMs: number;
  left: number;
  joined: number;
  modes: Record<LookupMode, DhtModeFigures>;
  routingTable: { min: number; median: number; max: number };
  sweepsMissing: number;
  workerPeakMiB: number[];
  /** Event-loop delay of each worker while lookups ran. */
  workerLagMs: { p50: number; p99: number; max: number }[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDht(o: DhtOptions): Promise<DhtFigures> {
  const log = o.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'tix-soak-dht-'));
  const rnd = prng(o.seed);
  const workers = Array.from({ length: o.workers }, () => new WorkerProcess(join(import.meta.dirname, 'dht-worker.ts'), { SOAK_WORK: work, SOAK_PATHS: String(o.paths) }));
  /** Live nodes: index → where it runs, its address, when it joined. */
  const live = new Map<number, { worker: number; address: string; joinedAt: number }>();
  const pick = <T>(xs: T[], n: number): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [a[i], a[j]] = [a[j]!, a[i]!]; }
    return a.slice(0, n);
  };
  let nextIndex = 0;
  const join1 = async (worker: number): Promise<void> => {
    const index = nextIndex++;
    const bootstrap = pick([...live.values()].map((l) => l.address), o.bootstrapPeers);
    const info = await workers[worker]!.call<NodeInfo>('join', { index, bootstrap }, 60_000);
    live.set(index, { worker, address: info.address, joinedAt: performance.now() });
  };
  const allInfos = async (): Promise<NodeInfo[]> => (await Promise.all(workers.map((w) => w.call<NodeInfo[]>('infos')))).flat();
  const setTargets = async (): Promise<void> => {
    const now = performance.now();
    const indices = [...live].filter(([, l]) => now - l.joinedAt >= o.settleMs).map(([i]) => i);
    await Promise.all(workers.map((w) => w.call('targets', { indices })));
  };
  try {
    const t0 = performance.now();
    await join1(0);
    // Waves of one node per worker, each bootstrapping from nodes already up.
    while (nextIndex < o.nodes) await Promise.all(workers.slice(0, Math.min(o.workers, o.nodes - nextIndex)).map((_, w) => join1(w)));
    log(`${o.nodes} nodes started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Settle: routing tables filled and every node's first sweep done (bounded wait).
    const settleDeadline = performance.now() + 90_000;
    let infos = await allInfos();
    while (performance.now() < settleDeadline) {
      infos = await allInfos();
      const rtOk = infos.every((i) => i.routingTable >= Math.min(3, o.nodes - 1));
      const swept = infos.filter((i) => i.sweeps > 0).length;
      if (rtOk && swept === infos.length) break;
      await sleep(1000);
    }
    const upMs = performance.now() - t0;
    const rts = infos.map((i) => i.routingTable).sort((a, b) => a - b);
    log(`network up after ${(upMs / 1000).toFixed(1)} s: routing tables ${rts[0]}..${rts[rts.length - 1]}, ${infos.filter((i) => i.sweeps === 0).length} nodes without a sweep`);
    for (const l of live.values()) l.joinedAt -= o.settleMs; // the first nodes are settled now
    await setTargets();
    await Promise.all(workers.map((w, i) => w.call('startLookups', { concurrency: o.concurrency, seed: o.seed * 100 + i, timeoutMs: o.timeoutMs })));
    const tl = performance.now();
    let left = 0;
    let joined = 0;
    // Churn on a fixed schedule (a slow join delays the next one, never skips it).
    for (let k = 1; performance.now() - tl < o.durationS * 1000; k++) {
      await sleep(Math.max(0, tl + k * (o.churnEveryMs > 0 ? o.churnEveryMs : 1000) - performance.now()));
      if (o.churnEveryMs > 0) {
        const [victim] = pick([...live.keys()], 1);
        const v = live.get(victim!)!;
        live.delete(victim!);
        await setTargets();
        await workers[v.worker]!.call('leave', { index: victim }, 60_000);
        left++;
        await join1(Math.floor(rnd() * o.workers));
        joined++;
      }
      await setTargets();
    }
    const lookupMs = performance.now() - tl;
    const perWorker = await Promise.all(workers.map((w) => w.call<Record<LookupMode, LookupStats> & { lagMs: DhtFigures['workerLagMs'][number] }>('stopLookups', {}, 120_000)));
    infos = await allInfos();
    const workerPeakMiB = await Promise.all(workers.map(async (w) => (await w.call<{ peakMiB: number }>('memory')).peakMiB));
    const modes = Object.fromEntries(LOOKUP_MODES.map((m) => {
      const all = perWorker.map((w) => w[m]);
      const lat = percentiles(all.flatMap((s) => s.latencies));
      const sum = (k: 'lookups' | 'found' | 'notFound' | 'failures'): number => all.reduce((a, s) => a + s[k], 0);
      return [m, { lookups: sum('lookups'), found: sum('found'), notFound: sum('notFound'), failures: sum('failures'), medianMs: lat.median, p95Ms: lat.p95, failureSample: all.flatMap((s) => s.failureSample).slice(0, 5) }];
    })) as Record<LookupMode, DhtModeFigures>;
    const rt = infos.map((i) => i.routingTable).sort((a, b) => a - b);
    return {
      options: o, upMs, lookupMs, left, joined, modes,
      routingTable: { min: rt[0] ?? 0, median: rt[rt.length >> 1] ?? 0, max: rt[rt.length - 1] ?? 0 },
      sweepsMissing: infos.filter((i) => i.sweeps === 0).length,
      workerPeakMiB,
      workerLagMs: perWorker.map((w) => w.lagMs),
    };
  } finally {
    await Promise.all(workers.map(async (w) => { await w.call('stop', {}, 60_000).catch(() => {}); await w.stop(); }));
    rmSync(work, { recursive: true, force: true });
  }
}
