/**
 * Load scenario "serve": one real `tix node start` serving a closure to many fetching peers
 * at once. The closure (closure-gen.ts) is made in the server's store; FETCHERS fetching
 * nodes, spread over WORKERS processes, each substitute the whole closure into a fresh store
 * of their own, all at the same moment, round after round until the duration is used up.
 * After every round each fetcher's store is verified with contents.
 *
 * Figures: requests the server answered (from its `status`), failed paths, fallbacks, wall
 * time and throughput per round, the server's peak RSS, and bad paths (must be 0).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess } from '../../tests/support/p2p-node.ts';
import { makeClosure } from './closure-gen.ts';
import { memoryOf, WorkerProcess } from './ipc.ts';
import type { FetchResult, VerifyResult } from './fetchers.ts';

export interface ServeOptions {
  fetchers: number;
  workers: number;
  paths: number;
  maxBytes: number;
  /** Keep starting rounds until this many seconds have passed (at least one round). */
  durationS: number;
  seed: number;
  log?: (line: string) => void;
}

export interface ServeRound {
  ms: number;
  substituted: number;
  failed: number;
  rejected: number;
  bad: number;
  /** Slowest and fastest fetcher of the round. */
  fetcherMs: { min: number; max: number };
}

export interface ServeFigures {
  options: ServeOptions;
  closureBytes: number;
  rounds: ServeRound[];
  served: { narinfoRequests: number; narinfos: number; nars: number; narBytes: number; haveRequests: number; refused: number };
  serverPeakMiB: number;
  serverRssEndMiB: number;
  workerPeakMiB: number[];
  failureSample: string[];
  badSample: string[];
}

export async function runServe(o: ServeOptions): Promise<ServeFigures> {
  const log = o.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'tix-soak-serve-'));
  const workers: WorkerProcess[] = [];
  let server: NodeProcess | undefined;
  try {
    const closure = await makeClosure(join(work, 'server'), { count: o.paths, seed: o.seed, maxBytes: o.maxBytes }, work);
    log(`closure: ${closure.paths.length} paths, ${(closure.bytes / 2 ** 20).toFixed(1)} MiB`);
    server = await NodeProcess.start({ args: ['--store', join(work, 'server'), '--option', 'stalled-download-timeout', '30'] });
    for (let w = 0; w < o.workers; w++) workers.push(new WorkerProcess(join(import.meta.dirname, 'fetch-worker.ts'), { SOAK_WORK: work }));
    const per = (w: number): number => Math.floor(o.fetchers / o.workers) + (w < o.fetchers % o.workers ? 1 : 0);
    await Promise.all(workers.map((wp, w) => wp.call('start', { count: per(w), prefix: `w${w}f`, providers: [server!.address] })));
    await Promise.all(workers.map((wp) => wp.call('inventories', { providers: [server!.peerId] })));
    log(`${o.fetchers} fetchers in ${o.workers} processes connected to ${server.peerId}`);
    const before = (await server.refresh()).transfers;
    const rounds: ServeRound[] = [];
    const failureSample: string[] = [];
    const badSample: string[] = [];
    const t0 = performance.now();
    do {
      const r = rounds.length;
      const tr = performance.now();
      const results = (await Promise.all(workers.map((wp) => wp.call<FetchResult[]>('fetch', { round: r, paths: closure.paths, stallTimeoutMs: 30_000 })))).flat();
      const ms = performance.now() - tr;
      const checks = (await Promise.all(workers.map((wp) => wp.call<VerifyResult[]>('verify', { paths: closure.paths })))).flat();
      const bad = checks.reduce((a, c) => a + c.bad.length + c.missing + c.temporaries, 0);
      for (const f of results) failureSample.push(...f.failedSample, ...f.rejectedSample);
      for (const c of checks) badSample.push(...c.bad, ...(c.missing ? [`${c.name}: ${c.missing} paths not valid`] : []), ...(c.temporaries ? [`${c.name}: ${c.temporaries} temporaries`] : []));
      const round: ServeRound = {
        ms,
        substituted: results.reduce((a, f) => a + f.substituted, 0),
        failed: results.reduce((a, f) => a + f.failed, 0),
        rejected: results.reduce((a, f) => a + f.rejected, 0),
        bad,
        fetcherMs: { min: Math.min(...results.map((f) => f.ms)), max: Math.max(...results.map((f) => f.ms)) },
      };
      rounds.push(round);
      log(`round ${r}: ${round.substituted} paths in ${(ms / 1000).toFixed(1)} s, ${round.failed} failed, ${round.rejected} fallbacks, ${bad} bad; server RSS ${memoryOf(server.status.pid).rssMiB.toFixed(0)} MiB`);
    } while (performance.now() - t0 < o.durationS * 1000);
    const after = (await server.refresh()).transfers;
    const mem = memoryOf(server.status.pid);
    const workerPeakMiB = await Promise.all(workers.map(async (wp) => (await wp.call<{ peakMiB: number }>('memory')).peakMiB));
    return {
      options: o,
      closureBytes: closure.bytes,
      rounds,
      served: {
        narinfoRequests: after.narinfoRequestsServed - before.narinfoRequestsServed,
        narinfos: after.narinfosServed - before.narinfosServed,
        nars: after.narsServed - before.narsServed,
        narBytes: after.narBytesServed - before.narBytesServed,
        haveRequests: after.haveRequestsServed - before.haveRequestsServed,
        refused: after.requestsRefused - before.requestsRefused,
      },
      serverPeakMiB: mem.peakMiB,
      serverRssEndMiB: mem.rssMiB,
      workerPeakMiB,
      failureSample: failureSample.slice(0, 10),
      badSample: badSample.slice(0, 10),
    };
  } finally {
    await Promise.all(workers.map(async (wp) => { await wp.call('stop', {}, 60_000).catch(() => {}); await wp.stop(); }));
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
