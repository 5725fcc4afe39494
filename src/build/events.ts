/**
 * Progress of a realisation as a stream of tagged events (the CLI renders them, the node
 * logs them), and the push queue that turns callbacks into an async iterable.
 */

import type { StorePath } from '../store/store-path.ts';

/** What a realisation will do, decided before anything runs. */
export interface RealisePlan {
  /** Derivations to build, dependencies first. */
  readonly toBuild: readonly StorePath[];
  /** Paths to fetch from substituters. */
  readonly toSubstitute: readonly StorePath[];
  /** Compressed bytes to download and NAR bytes to unpack, where substituters said. */
  readonly downloadSize: number;
  readonly narSize: number;
}

export interface Progress {
  readonly built: number;
  readonly building: number;
  readonly substituted: number;
  readonly substituting: number;
  readonly failed: number;
  /** Builds plus substitutions planned. */
  readonly total: number;
}

/** The outcome of one requested derivation (or opaque path). */
export interface TargetResult {
  readonly drvPath: StorePath;
  /** Output name → path, for the requested outputs; `'' → the path` for an opaque path. */
  readonly outputs: ReadonlyMap<string, StorePath>;
  readonly ok: boolean;
}

export interface RealiseResult {
  readonly targets: readonly TargetResult[];
  /** Errors of the jobs that failed (dependency failures not repeated). */
  readonly errors: readonly unknown[];
  /** Nix's exit status for this run: 0, 1, or 100 + bits. */
  readonly exitStatus: number;
}

export type RealiseEvent =
  | { readonly type: 'plan'; readonly plan: RealisePlan }
  | { readonly type: 'build-started'; readonly drvPath: StorePath }
  | { readonly type: 'build-log'; readonly drvPath: StorePath; readonly lines: readonly string[] }
  /** `fresh`: the builder ran here (false when another process built it meanwhile). */
  | { readonly type: 'build-succeeded'; readonly drvPath: StorePath; readonly fresh: boolean; readonly checked: boolean }
  | { readonly type: 'build-failed'; readonly drvPath: StorePath; readonly error: unknown }
  | { readonly type: 'substitute-started'; readonly path: StorePath; readonly from: string }
  | { readonly type: 'substitute-succeeded'; readonly path: StorePath }
  | { readonly type: 'substitute-failed'; readonly path: StorePath; readonly error: unknown }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'done'; readonly result: RealiseResult };

/** An unbounded single-consumer queue: `push` from callbacks, `for await` on the other side. */
export class EventQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #error: unknown;

  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }

  end(error?: unknown): void {
    this.#ended = true;
    this.#error = error;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.#items.length > 0) yield this.#items.shift()!;
      if (this.#ended) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
