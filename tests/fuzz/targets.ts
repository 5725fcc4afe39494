/**
 * The fuzz targets: one per parser that reads outside input. `npm run fuzz` and the short
 * runs in the test suite both read this table.
 */

export interface FuzzTarget {
  /** Short name: `tests/fuzz/<name>.fuzz.ts`, seeds in `tests/fuzz/corpus/<name>/`. */
  readonly name: string;
  /** What it fuzzes, for the summary. */
  readonly what: string;
  /** The target's `fuzz` returns a promise (Jazzer's async mode, slower per input). */
  readonly async?: boolean;
  /** Inputs in the test suite's short run (a fixed count, so the run is deterministic). */
  readonly shortRuns: number;
  /** Largest input libFuzzer generates, in bytes. */
  readonly maxLen: number;
}

export const TARGETS: readonly FuzzTarget[] = [
  { name: 'nar', what: 'NAR reader (src/store/nar/reader.ts)', shortRuns: 1000, maxLen: 4096 },
  { name: 'nar-restore', what: 'NAR restore to the filesystem (src/store/local/nar-fs.ts, fs-sink.ts)', async: true, shortRuns: 150, maxLen: 4096 },
  { name: 'nix-parse', what: 'Nix lexer, parser and resolver (src/lang/)', shortRuns: 1000, maxLen: 2048 },
  { name: 'drv', what: '.drv ATerm parser (src/store/drv/aterm-parse.ts)', shortRuns: 1000, maxLen: 4096 },
  { name: 'narinfo', what: 'narinfo parser (src/store/narinfo.ts)', shortRuns: 1000, maxLen: 4096 },
  { name: 'keys', what: 'key files, trusted-public-keys, signatures (src/store/signature/)', shortRuns: 500, maxLen: 512 },
  { name: 'hash-path', what: 'hashes, store paths, store dirs, content addresses (src/hash/, src/store/)', shortRuns: 1000, maxLen: 512 },
  { name: 'config', what: 'tix.conf parser (src/config/parse.ts)', shortRuns: 1000, maxLen: 2048 },
  { name: 'p2p-wire', what: 'peer protocol frame codec (src/substitute/p2p/wire.ts)', shortRuns: 1000, maxLen: 4096 },
];

export function targetNamed(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target '${name}' (targets: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
