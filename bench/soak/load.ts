/**
 * `npm run soak`: issue 6's load scenarios on loopback with real nodes, each for a chosen
 * duration, printing the figures as tables (and exiting 1 if any path went bad or stayed
 * invalid, or a scenario failed).
 *
 *   node bench/soak/load.ts [--duration S] [--scenario serve|dht|closure]... [--seed N] [--json FILE]
 *
 *   serve    one `tix node start` serving a 200-path closure to 20 fetching peers at once,
 *            round after round (serve.ts; --fetchers, --paths)
 *   dht      100 nodes in 5 processes, one node leaving and one joining every 2 s while
 *            lookups run (dht.ts; --nodes, --workers, --churn-ms)
 *   closure  one node substituting a 2,000-path closure from 3 providers that are killed
 *            and restarted in turn (closure.ts; --paths, --providers)
 *
 * Without --scenario all three run, one after the other. --duration is per scenario
 * (default 60 s): serve and closure start rounds until it is used up (at least one),
 * dht looks up for that long.
 */

import { writeFileSync } from 'node:fs';
import { runClosure, type ClosureFigures } from './closure.ts';
import { runDht, type DhtFigures } from './dht.ts';
import { runServe, type ServeFigures } from './serve.ts';

const SCENARIOS = ['serve', 'dht', 'closure'] as const;
type Scenario = (typeof SCENARIOS)[number];

const argv = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const num = (name: string, dflt: number): number => {
  const v = value(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} needs a non-negative number, got '${v}'`);
  return n;
};
const chosen: Scenario[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--scenario') continue;
  const s = argv[i + 1] as Scenario;
  if (!SCENARIOS.includes(s)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}, got '${argv[i + 1]}'`);
  chosen.push(s);
}
const durationS = num('--duration', 60);
const seed = num('--seed', 1);
const verbose = !argv.includes('--quiet');
const log = (l: string): void => { if (verbose) console.error(`  ${l}`); };

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '-');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
const MiB = 2 ** 20;

function table(rows: [string, string][]): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
}

function printServe(f: ServeFigures): boolean {
  const o = f.options;
  const paths = f.rounds.reduce((a, r) => a + r.substituted, 0);
  const ms = f.rounds.reduce((a, r) => a + r.ms, 0);
  const bad = f.rounds.reduce((a, r) => a + r.bad, 0);
  const failed = f.rounds.reduce((a, r) => a + r.failed, 0);
  console.log(`\nserve: one node, ${o.fetchers} fetching peers in ${o.workers} processes, closure of ${o.paths} paths (${f1(f.closureBytes / MiB)} MiB)`);
  console.log('  round  wall s  paths  failed  fallbacks  bad  fastest/slowest fetcher s  MiB/s  paths/s');
  f.rounds.forEach((r, i) => console.log(`  ${String(i).padStart(5)}  ${f1(r.ms / 1000).padStart(6)}  ${String(r.substituted).padStart(5)}  ${String(r.failed).padStart(6)}  ${String(r.rejected).padStart(9)}  ${String(r.bad).padStart(3)}  ${`${f1(r.fetcherMs.min / 1000)}/${f1(r.fetcherMs.max / 1000)}`.padStart(25)}  ${f1((o.fetchers * f.closureBytes / MiB) / (r.ms / 1000)).padStart(5)}  ${f0(r.substituted / (r.ms / 1000)).padStart(7)}`));
  table([
    ['requests served', `${f.served.nars} NARs (${f1(f.served.narBytes / MiB)} MiB), ${f.served.narinfoRequests} narinfo requests (${f.served.narinfos} narinfos), ${f.served.haveRequests} have-requests`],
    ['requests refused', String(f.served.refused)],
    ['paths substituted / failed', `${paths} / ${failed}`],
    ['wall time (all rounds)', `${f1(ms / 1000)} s, ${f1(f.served.narBytes / MiB / (ms / 1000))} MiB/s served, ${f0(paths / (ms / 1000))} paths/s`],
    ['serving node RSS peak / end', `${f0(f.serverPeakMiB)} / ${f0(f.serverRssEndMiB)} MiB`],
    ['fetcher processes RSS peak', `${f.workerPeakMiB.map(f0).join(', ')} MiB`],
    ['bad paths', String(bad)],
  ]);
  for (const s of [...f.failureSample, ...f.badSample]) console.log(`    ${s}`);
  return bad === 0 && failed === 0;
}

function printDht(f: DhtFigures): boolean {
  const o = f.options;
  console.log(`\ndht: ${o.nodes} nodes in ${o.workers} processes, ${o.paths} paths each, churn: one leaves and one joins every ${o.churnEveryMs} ms`);
  table([
    ['network up (nodes started, tables filled, first sweeps)', `${f1(f.upMs / 1000)} s`],
    ['lookups ran for', `${f1(f.lookupMs / 1000)} s; ${f.left} nodes left, ${f.joined} joined`],
    ['routing table size min / median / max (end)', `${f.routingTable.min} / ${f.routingTable.median} / ${f.routingTable.max}`],
    ['nodes without a finished sweep (end)', String(f.sweepsMissing)],
  ]);
  console.log('  lookup                         lookups  found  not found  failures  median ms  p95 ms');
  const names = { kad: 'kad walk (per key)', tix: 'tix lookup (inv + batched DHT)' };
  for (const [m, s] of Object.entries(f.modes)) {
    console.log(`  ${names[m as keyof typeof names].padEnd(29)}  ${String(s.lookups).padStart(7)}  ${String(s.found).padStart(5)}  ${String(s.notFound).padStart(9)}  ${String(s.failures).padStart(8)}  ${f1(s.medianMs).padStart(9)}  ${f1(s.p95Ms).padStart(6)}`);
    for (const x of s.failureSample) console.log(`    ${x}`);
  }
  table([
    ['worker processes RSS peak', `${f.workerPeakMiB.map(f0).join(', ')} MiB (${o.nodes / o.workers} nodes each at the start)`],
    ['worker event-loop delay p50 / p99 / max', f.workerLagMs.map((l) => `${f0(l.p50)}/${f0(l.p99)}/${f0(l.max)}`).join(', ') + ' ms'],
  ]);
  return true;
}

function printClosure(f: ClosureFigures): boolean {
  const o = f.options;
  console.log(`\nclosure: one node substituting ${o.paths} paths (${f1(f.closureBytes / MiB)} MiB) from ${o.providers} providers, one killed every ~${o.killEveryMs + o.downMs} ms + restart, down ${o.downMs} ms`);
  console.log('  round  wall s  kills  paths  per provider                 fallbacks  failed  retry  valid  bad');
  let ok = true;
  f.rounds.forEach((r, i) => {
    const per = Object.entries(r.byProvider).sort().map(([k, v]) => `${k} ${v}`).join(', ');
    const retry = r.retry ? `${r.retry.substituted}/${r.retry.failed}f` : '-';
    console.log(`  ${String(i).padStart(5)}  ${f1(r.ms / 1000).padStart(6)}  ${String(r.kills).padStart(5)}  ${String(r.substituted).padStart(5)}  ${per.padEnd(27)}  ${String(r.fallbacks).padStart(9)}  ${String(r.failed).padStart(6)}  ${retry.padStart(5)}  ${String(r.valid).padStart(5)}  ${String(r.bad).padStart(3)}`);
    if (r.bad > 0 || r.valid !== o.paths) ok = false;
  });
  for (const s of [...f.failureSample.slice(0, 5), ...f.badSample]) console.log(`    ${s}`);
  return ok;
}

const results: Record<string, unknown> = {};
let ok = true;
for (const s of chosen.length > 0 ? chosen : SCENARIOS) {
  console.error(`${s}: running (--duration ${durationS})`);
  try {
    if (s === 'serve') {
      const f = await runServe({ fetchers: num('--fetchers', 20), workers: num('--workers', 4), paths: num('--paths', 200), maxBytes: 1024 * 1024, durationS, seed, log });
      ok = printServe(f) && ok;
      results[s] = f;
    } else if (s === 'dht') {
      const f = await runDht({
        nodes: num('--nodes', 100), workers: num('--workers', 5), paths: 50, durationS, churnEveryMs: num('--churn-ms', 2000),
        settleMs: 10_000, concurrency: 4, timeoutMs: 10_000, seed, bootstrapPeers: 6, log,
      });
      ok = printDht(f) && ok;
      results[s] = f;
    } else {
      const f = await runClosure({ paths: num('--paths', 2000), providers: num('--providers', 3), maxBytes: 256 * 1024, durationS, seed, killEveryMs: 1000, downMs: 500, log });
      ok = printClosure(f) && ok;
      results[s] = f;
    }
  } catch (e) {
    ok = false;
    console.log(`\n${s}: FAILED: ${(e as Error).stack ?? e}`);
  }
}
const json = value('--json');
if (json) writeFileSync(json, JSON.stringify(results, (k, v) => (k === 'latencies' ? undefined : v), 1));
process.exit(ok ? 0 : 1);
