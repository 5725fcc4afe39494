/**
 * Load scenario "closure": one fetching node substitutes a big closure (2,000 paths by
 * default) while its providers come and go. PROVIDERS real `tix node start` processes hold
 * the same closure (made once, the store copied); during the substitution one provider at a
 * time is SIGKILLed, left down for a moment and started again with the same identity and
 * port, over and over until the fetch ends. A path whose provider dies mid-transfer falls
 * back to the next provider; a path that fails anyway is fetched again once every provider
 * is back (the retry). Then the fetcher's store is verified with contents.
 *
 * Figures: time, paths from each provider, fallbacks, kills, failures before and after the
 * retry, bad paths (must be 0), everything valid at the end.
 */

import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess } from '../../tests/support/p2p-node.ts';
import { makeClosure } from './closure-gen.ts';
import type { FetchResult, VerifyResult } from './fetchers.ts';
import { WorkerProcess } from './ipc.ts';

export interface ClosureOptions {
  paths: number;
  providers: number;
  maxBytes: number;
  durationS: number;
  seed: number;
  /** Pause between one provider's restart and the next kill. */
  killEveryMs: number;
  /** How long a killed provider stays down. */
  downMs: number;
  log?: (line: string) => void;
}

export interface ClosureRound {
  ms: number;
  substituted: number;
  /** Paths substituted from each provider (p0, p1, ...). */
  byProvider: Record<string, number>;
  fallbacks: number;
  failed: number;
  kills: number;
  /** The retry of failed paths once all providers were back, if any failed. */
  retry: { ms: number; substituted: number; failed: number } | null;
  bad: number;
  valid: number;
}

export interface ClosureFigures {
  options: ClosureOptions;
  closureBytes: number;
  rounds: ClosureRound[];
  failureSample: string[];
  badSample: string[];
}

/** A provider node that can be killed and started again as the same peer on the same port. */
class Provider {
  readonly label: string;
  readonly root: string;
  readonly stateDir: string;
  proc: NodeProcess | undefined;
  port = 0;
  peerId = '';

  constructor(label: string, root: string, stateDir: string) {
    this.label = label;
    this.root = root;
    this.stateDir = stateDir;
  }

  get address(): string {
    return this.proc!.address;
  }

  async start(): Promise<void> {
    this.proc = await NodeProcess.start({
      stateDir: this.stateDir, listen: `/ip4/127.0.0.1/tcp/${this.port}`,
      args: ['--store', this.root, '--option', 'stalled-download-timeout', '10'],
    });
    this.peerId = this.proc.peerId;
    this.port = Number(/\/tcp\/(\d+)/.exec(this.address)![1]);
  }

  async kill(): Promise<void> {
    const p = this.proc!;
    this.proc = undefined;
    try { process.kill(p.status.pid, 'SIGKILL'); } catch { /* already gone */ }
    await p.stop();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runClosure(o: ClosureOptions): Promise<ClosureFigures> {
  const log = o.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'tix-soak-closure-'));
  const providers: Provider[] = [];
  let worker: WorkerProcess | undefined;
  try {
    const closure = await makeClosure(join(work, 'p0'), { count: o.paths, seed: o.seed, maxBytes: o.maxBytes }, work);
    log(`closure: ${closure.paths.length} paths, ${(closure.bytes / 2 ** 20).toFixed(1)} MiB, ${o.providers} providers`);
    for (let i = 0; i < o.providers; i++) {
      if (i > 0) cpSync(join(work, 'p0'), join(work, `p${i}`), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      mkdirSync(join(work, `p${i}-state`));
      providers.push(new Provider(`p${i}`, join(work, `p${i}`), join(work, `p${i}-state`)));
    }
    await Promise.all(providers.map((p) => p.start()));
    const label = new Map(providers.map((p) => [p.peerId, p.label]));
    worker = new WorkerProcess(join(import.meta.dirname, 'fetch-worker.ts'), { SOAK_WORK: work });
    await worker.call('start', { count: 1, prefix: 'fetcher', providers: providers.map((p) => p.address) });
    await worker.call('inventories', { providers: providers.map((p) => p.peerId) });
    const rounds: ClosureRound[] = [];
    const failureSample: string[] = [];
    const badSample: string[] = [];
    const t0 = performance.now();
    do {
      const round = rounds.length;
      let done = false;
      let kills = 0;
      let nextVictim = 0;
      // One provider down at a time, so some provider always has every path.
      const chaos = (async () => {
        while (!done) {
          await sleep(o.killEveryMs);
          if (done) break;
          // In turn from p0: the fetcher asks providers in the order it found them, so p0
          // carries the load until it dies; then the next one does.
          const victim = providers[(nextVictim++) % providers.length]!;
          await victim.kill();
          kills++;
          log(`  killed ${victim.label}`);
          await sleep(o.downMs);
          await victim.start();
        }
      })();
      const tr = performance.now();
      const [r] = await worker.call<FetchResult[]>('fetch', { round, paths: closure.paths, stallTimeoutMs: 10_000 }).finally(() => { done = true; });
      const ms = performance.now() - tr;
      await chaos;
      let retry: ClosureRound['retry'] = null;
      if (r!.failed > 0) {
        const tt = performance.now();
        const [again] = await worker.call<FetchResult[]>('fetch', { round, paths: closure.paths, stallTimeoutMs: 10_000, again: true });
        retry = { ms: performance.now() - tt, substituted: again!.substituted, failed: again!.failed };
        for (const [peer, n] of Object.entries(again!.byPeer)) r!.byPeer[peer] = (r!.byPeer[peer] ?? 0) + n;
        failureSample.push(...again!.failedSample);
      }
      const [v] = await worker.call<VerifyResult[]>('verify', { paths: closure.paths });
      failureSample.push(...r!.failedSample, ...r!.rejectedSample);
      badSample.push(...v!.bad, ...(v!.missing ? [`${v!.missing} paths not valid`] : []), ...(v!.temporaries ? [`${v!.temporaries} temporaries`] : []));
      const byProvider: Record<string, number> = {};
      for (const [peer, n] of Object.entries(r!.byPeer)) byProvider[label.get(peer) ?? peer] = n;
      const fig: ClosureRound = {
        ms, substituted: r!.substituted, byProvider, fallbacks: r!.rejected, failed: r!.failed, kills, retry,
        bad: v!.bad.length + v!.missing + v!.temporaries, valid: closure.paths.length - v!.missing,
      };
      rounds.push(fig);
      log(`round ${round}: ${fig.substituted} paths in ${(ms / 1000).toFixed(1)} s, ${kills} kills, ${fig.fallbacks} fallbacks, ${fig.failed} failed` +
        `${retry ? ` (retry: ${retry.substituted} more, ${retry.failed} failed)` : ''}, ${fig.valid}/${closure.paths.length} valid, ${fig.bad} bad`);
    } while (performance.now() - t0 < o.durationS * 1000);
    return { options: o, closureBytes: closure.bytes, rounds, failureSample: failureSample.slice(0, 10), badSample: badSample.slice(0, 10) };
  } finally {
    if (worker) {
      await worker.call('stop', {}, 60_000).catch(() => {});
      await worker.stop();
    }
    await Promise.all(providers.map((p) => p.proc?.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}
