/**
 * Runs a graph of jobs (builds and substitutions) in dependency order. Nix: the `Worker`
 * loop with its goals.
 *
 * - A job starts once every job it depends on has succeeded; each job runs once, however
 *   many jobs depend on it (a diamond's shared input is built once).
 * - At most `maxJobs` builds and `maxSubstitutionJobs` substitutions run at a time
 *   (`max-jobs`, `max-substitution-jobs`). With `maxJobs` 0 no build can start, as in Nix.
 * - A failed job fails everything that depends on it. Without `keepGoing`, the first failure
 *   also cancels running jobs and starts nothing new (Nix kills the other goals); with it,
 *   independent jobs carry on.
 *
 * Jobs are given an AbortSignal that fires when the run is cancelled.
 */

import { BuildError } from './errors.ts';

export type JobKind = 'build' | 'substitute';

export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  /** Ids of jobs that must succeed first (ids not in the graph are ignored). */
  readonly deps: readonly string[];
  run(signal: AbortSignal): Promise<void>;
}

export type JobOutcome =
  | { readonly status: 'succeeded' }
  | { readonly status: 'failed'; readonly error: unknown }
  /** Not run because a dependency failed (`failedDeps` are the direct ones). */
  | { readonly status: 'dependency-failed'; readonly failedDeps: readonly string[] }
  /** Not run, or stopped, because the run ended early (no `keepGoing`, or aborted). */
  | { readonly status: 'cancelled' };

export interface SchedulerOptions {
  readonly maxJobs: number;
  readonly maxSubstitutionJobs?: number;
  readonly keepGoing: boolean;
  readonly signal?: AbortSignal;
  /** Called as jobs start and finish, for progress reporting. */
  readonly onJob?: (id: string, event: 'started' | JobOutcome) => void;
}

/** Default of Nix's `max-substitution-jobs`. */
export const DEFAULT_MAX_SUBSTITUTION_JOBS = 16;

export function runJobs(jobs: readonly Job[], options: SchedulerOptions): Promise<Map<string, JobOutcome>> {
  return new Scheduler(jobs, options).run();
}

class Scheduler {
  readonly #jobs = new Map<string, Job>();
  readonly #dependants = new Map<string, string[]>();
  /** Unfinished dependencies per waiting job. */
  readonly #pending = new Map<string, number>();
  readonly #outcomes = new Map<string, JobOutcome>();
  readonly #ready: Job[] = [];
  readonly #running = new Map<string, JobKind>();
  readonly #abort = new AbortController();
  readonly #opts: SchedulerOptions;
  #stopping = false;
  #finish!: () => void;

  constructor(jobs: readonly Job[], opts: SchedulerOptions) {
    this.#opts = opts;
    for (const j of jobs) {
      if (this.#jobs.has(j.id)) throw new Error(`duplicate job '${j.id}'`);
      this.#jobs.set(j.id, j);
    }
    for (const j of jobs) {
      let n = 0;
      for (const d of new Set(j.deps)) {
        if (!this.#jobs.has(d) || d === j.id) continue;
        n++;
        const list = this.#dependants.get(d);
        if (list) list.push(j.id);
        else this.#dependants.set(d, [j.id]);
      }
      this.#pending.set(j.id, n);
      if (n === 0) this.#ready.push(j);
    }
  }

  run(): Promise<Map<string, JobOutcome>> {
    const done = new Promise<void>((resolve) => (this.#finish = resolve));
    const outer = this.#opts.signal;
    const onAbort = () => this.#stop();
    if (outer?.aborted) this.#stop();
    else outer?.addEventListener('abort', onAbort, { once: true });
    this.#pump();
    return done.then(() => {
      outer?.removeEventListener('abort', onAbort);
      return this.#outcomes;
    });
  }

  #limit(kind: JobKind): number {
    return kind === 'build' ? this.#opts.maxJobs : (this.#opts.maxSubstitutionJobs ?? DEFAULT_MAX_SUBSTITUTION_JOBS);
  }

  #count(kind: JobKind): number {
    let n = 0;
    for (const k of this.#running.values()) if (k === kind) n++;
    return n;
  }

  #pump(): void {
    if (!this.#stopping) {
      for (let i = 0; i < this.#ready.length; ) {
        const job = this.#ready[i]!;
        if (job.kind === 'build' && this.#opts.maxJobs <= 0) {
          this.#ready.splice(i, 1);
          this.#settle(job.id, {
            status: 'failed',
            error: new BuildError('E_BUILD_FAILED', "unable to start any build; either increase '--max-jobs' or enable remote builds"),
          });
          continue;
        }
        if (this.#count(job.kind) >= this.#limit(job.kind)) {
          i++;
          continue;
        }
        this.#ready.splice(i, 1);
        this.#start(job);
      }
    }
    if (this.#running.size === 0 && (this.#ready.length === 0 || this.#stopping)) {
      // Whatever never ran was cut off by a failure or an abort.
      for (const id of this.#jobs.keys()) if (!this.#outcomes.has(id)) this.#outcomes.set(id, { status: 'cancelled' });
      this.#finish();
    }
  }

  #start(job: Job): void {
    this.#running.set(job.id, job.kind);
    this.#opts.onJob?.(job.id, 'started');
    let p: Promise<void>;
    try {
      p = job.run(this.#abort.signal);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => this.#done(job.id, { status: 'succeeded' }),
      (error: unknown) => this.#done(job.id, this.#stopping && this.#abort.signal.aborted ? { status: 'cancelled' } : { status: 'failed', error }),
    );
  }

  #done(id: string, outcome: JobOutcome): void {
    this.#running.delete(id);
    this.#settle(id, outcome);
    this.#pump();
  }

  /** Record an outcome and release or fail the dependants. */
  #settle(id: string, outcome: JobOutcome): void {
    this.#outcomes.set(id, outcome);
    this.#opts.onJob?.(id, outcome);
    if (outcome.status === 'succeeded') {
      for (const d of this.#dependants.get(id) ?? []) {
        const n = this.#pending.get(d)! - 1;
        this.#pending.set(d, n);
        if (n === 0 && !this.#outcomes.has(d)) this.#ready.push(this.#jobs.get(d)!);
      }
      return;
    }
    if (outcome.status === 'cancelled') return;
    if (!this.#opts.keepGoing) this.#stop();
    for (const d of this.#dependants.get(id) ?? []) {
      const prev = this.#outcomes.get(d);
      if (prev?.status === 'dependency-failed') {
        (prev.failedDeps as string[]).push(id);
        continue;
      }
      if (prev) continue;
      this.#settle(d, { status: 'dependency-failed', failedDeps: [id] });
    }
  }

  #stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#abort.abort();
  }
}
