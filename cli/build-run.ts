/**
 * What `tix build` and `tix realise` share: their build flags, opening the store and a
 * build session from the settings, running the realisation with progress on stderr, and
 * turning Ctrl-C into a clean stop (running builders are killed, nothing half-made stays).
 */

import { cpus } from 'node:os';
import type { Settings } from '../src/config/index.ts';
import {
  type LocalBuildStore,
  openBuildSession,
  openLocalBuildStore,
  realise,
  type RealiseEvent,
  type RealiseResult,
  type RealiseTarget,
  repairPaths,
  type RepairOutcome,
} from '../src/build/index.ts';
import type { PathInfo } from '../src/store/index.ts';
import { type StoreDir, StorePathError } from '../src/store/index.ts';
import { defaultStateDir } from '../src/substitute/index.ts';
import { type FlagSpec, flagBool, flagString, type ParsedArgs, UsageError } from './args.ts';
import type { ProgressOptions } from './build-progress.ts';
import { writeStderr } from './output.ts';

export const buildFlags: readonly FlagSpec[] = [
  { name: 'max-jobs', aliases: ['-j'], arity: 1 },
  { name: 'keep-going', aliases: ['-k'] },
  { name: 'fallback' },
  { name: 'check' },
  { name: 'dry-run' },
  { name: 'quiet', aliases: ['-Q'] },
];

/** `PATH` or `PATH!out1,out2` (a relative `PATH` is taken from the current directory). */
export function parseTarget(arg: string, storeDir: StoreDir): RealiseTarget {
  const bang = arg.lastIndexOf('!');
  const path = bang < 0 ? arg : arg.slice(0, bang);
  const outputs = bang < 0 ? undefined : arg.slice(bang + 1).split(',').filter(Boolean);
  try {
    const abs = path.startsWith('/') ? path : `${process.cwd()}/${path}`;
    return { drvPath: storeDir.parsePath(abs), outputs };
  } catch (e) {
    if (e instanceof StorePathError) throw new UsageError(`'${arg}' is not a store path: ${e.message}`);
    throw e;
  }
}

type Render = (events: AsyncIterable<RealiseEvent>, opts: ProgressOptions) => Promise<RealiseResult>;

export interface RunOutcome {
  readonly result: RealiseResult;
  readonly store: LocalBuildStore;
  readonly storeDir: string;
}

/** Apply the command's flags over the settings, realise the targets, render progress. The caller closes `store`. */
export async function runRealisation(
  settings: Settings,
  args: ParsedArgs,
  targetsOf: (store: LocalBuildStore) => RealiseTarget[] | Promise<RealiseTarget[]>,
  render: Render,
  /** `false`: do not add a running tix node as a substituter (`tix copy --from URL` asks only URL). */
  useNode = true,
): Promise<RunOutcome> {
  const jobs = flagString(args, 'max-jobs');
  const maxJobs = jobs === undefined ? settings.maxJobs : jobs === 'auto' ? cpus().length : Number(jobs);
  if (!Number.isInteger(maxJobs) || maxJobs < 0) throw new UsageError(`--max-jobs: '${jobs}' is not a number of jobs`);
  const effective: Settings = { ...settings, maxJobs, keepGoing: settings.keepGoing || flagBool(args, 'keep-going'), fallback: settings.fallback || flagBool(args, 'fallback') };
  const store = await openLocalBuildStore(effective);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const session = await openBuildSession(effective, store, {
      warn: (m) => writeStderr(`warning: ${m}\n`),
      cpuCount: cpus().length,
      hostEnv: (name) => process.env[name],
      ...(useNode ? { nodeStateDir: defaultStateDir(process.env) } : {}),
    });
    const targets = await targetsOf(store);
    const events = realise(targets, {
      ...session,
      check: flagBool(args, 'check'),
      dryRun: flagBool(args, 'dry-run'),
      streamLogs: !flagBool(args, 'quiet'),
      signal: abort.signal,
    });
    const result = await render(events, { showLogs: !flagBool(args, 'quiet'), tty: process.stderr.isTTY === true, storeDir: store.storeDir.dir });
    return { result, store, storeDir: store.storeDir.dir };
  } catch (e) {
    await store.close();
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** `verify --repair`: substitute or rebuild the damaged paths (src/build/repair.ts), one outcome each. */
export async function repairDamaged(settings: Settings, infos: readonly PathInfo[], report: (o: RepairOutcome, print: (p: PathInfo['path']) => string) => void): Promise<number> {
  const store = await openLocalBuildStore(settings);
  let failed = 0;
  try {
    const warn = (m: string) => writeStderr(`warning: ${m}\n`);
    const session = await openBuildSession(settings, store, { warn, cpuCount: cpus().length, hostEnv: (name) => process.env[name], nodeStateDir: defaultStateDir(process.env) });
    try {
      for await (const o of repairPaths(infos, { ...session, store, warn })) {
        if (o.how === 'failed') failed++;
        report(o, (p) => store.storeDir.printPath(p));
      }
    } finally {
      for (const s of session.substituters ?? []) await s.close?.();
    }
  } finally {
    await store.close();
  }
  return failed;
}
