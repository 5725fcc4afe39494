/**
 * Child-process entry that fuzzes one target with Jazzer.js (libFuzzer in-process).
 *
 *   node tests/fuzz/support/jazzer-main.ts '<JSON JazzerRun>'
 *
 * Jazzer's own CLI cannot load a `.ts` target (it appends `.js` to the path), so this
 * calls its `startFuzzing` API directly. The type-stripping hook is registered before
 * Jazzer registers its instrumenting hook, so Jazzer sees plain JavaScript (see
 * strip-types-hook.ts). Only files under `src/` are instrumented for coverage. Exit code:
 * 0 when no finding, 77 for a finding (the crashing input is saved by libFuzzer).
 */

import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface JazzerRun {
  /** Absolute path of the `*.fuzz.ts` module. */
  readonly target: string;
  /** Absolute path prefixes to instrument. */
  readonly includes: readonly string[];
  readonly async: boolean;
  /** Corpus directories (the first receives new inputs) and libFuzzer flags. */
  readonly fuzzerOptions: readonly string[];
  /** Per-input time limit, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Load Jazzer's prototype-pollution detector (the path-traversal and command-injection
   * ones never apply: the restore target checks containment itself). It adds ~3 s of
   * start-up, so the short runs in the test suite leave it out.
   */
  readonly prototypePollution: boolean;
  /** Write an istanbul coverage report to this directory. */
  readonly coverageDir?: string;
}

const run = JSON.parse(process.argv[2]!) as JazzerRun;
register('./strip-types-hook.ts', import.meta.url);

const require = createRequire(import.meta.url);
const core = require('@jazzer.js/core') as {
  OptionsManager: new (source: number) => { merge(input: object, source: number): unknown };
  OptionSource: { DefaultCLIOptions: number; CommandLineArguments: number };
  startFuzzing(options: unknown): Promise<{ returnCode: number }>;
};

const options = new core.OptionsManager(core.OptionSource.DefaultCLIOptions).merge(
  {
    fuzzTarget: pathToFileURL(run.target).href,
    fuzzerOptions: [...run.fuzzerOptions],
    sync: !run.async,
    includes: [...run.includes],
    excludes: ['node_modules'],
    timeout: run.timeoutMs,
    disableBugDetectors: run.prototypePollution ? ['path-traversal', 'command-injection'] : ['.*'],
    ...(run.coverageDir ? { coverage: true, coverageDirectory: run.coverageDir, coverageReporters: ['json-summary', 'text-summary'] } : {}),
  },
  core.OptionSource.CommandLineArguments,
);
const result = await core.startFuzzing(options);
// Writes to a pipe are asynchronous in Node: exiting at once loses the end of the log,
// where libFuzzer's final stats are. A write's callback runs once everything before it is out.
process.stdout.write('', () => process.stderr.write('', () => process.exit(result.returnCode)));
