/**
 * What bin/tix runs: the bundle dist/tix.mjs (tools/bundle.ts) when it was built from the
 * files as they are now, after rebuilding it when it was not, and cli/main.ts from the
 * sources when it cannot be built (no esbuild, a source that does not compile, a read-only
 * checkout). The sources stay the truth; the bundle only saves Node's per-module loading.
 *
 * Freshness: dist/tix.stamp.json lists every file the bundle was built from with its mtime
 * and size (the format is in tools/bundle.ts): one stat per file (~280 of them, about 2 ms)
 * plus a listing of cli/commands/ (a new command). TIX_BUNDLE=0 skips the
 * bundle; TIX_DEBUG=1 says why it was rebuilt and maps stack traces to the sources.
 *
 * This module imports nothing at start-up: built-ins come from process.getBuiltinModule
 * (cheaper than an ESM import of them) and the rest only on the path taken. It is plain
 * JavaScript (type-checked through the JSDoc types) because a .ts entry makes Node load its
 * TypeScript stripper, ~5 ms of every start.
 */

// @ts-check

const fs = process.getBuiltinModule('node:fs');
const root = process.getBuiltinModule('node:url').fileURLToPath(new URL('../', import.meta.url));
const debug = Boolean(process.env.TIX_DEBUG);
/** The stamp format this launcher reads (tools/bundle.ts writes it). */
const STAMP_VERSION = 2;

/**
 * @typedef {[mtimeMs: number, size: number]} FileState
 * @typedef {{ version: number, node: string, bundle: FileState, commands: string[], inputs: [path: string, ...FileState][] }} Stamp
 */

/**
 * Why dist/tix.mjs may not be used as it is, or undefined when it is fresh.
 * @returns {string | undefined}
 */
function staleness() {
  /** @type {Stamp} */
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(root + 'dist/tix.stamp.json', 'utf8'));
  } catch {
    return 'no bundle';
  }
  if (stamp.version !== STAMP_VERSION || !Array.isArray(stamp.bundle) || !Array.isArray(stamp.inputs) || !Array.isArray(stamp.commands)) return 'another stamp format';
  if (stamp.node !== process.version) return `built for Node ${stamp.node}`;
  if (!same('dist/tix.mjs', stamp.bundle)) return 'dist/tix.mjs';
  // The rule of cli/command-names.ts (repeated: this file imports nothing before it decides).
  const commands = fs.readdirSync(root + 'cli/commands').filter((f) => /^[a-z][a-z0-9-]*\.ts$/.test(f)).map((f) => f.slice(0, -3)).sort();
  if (commands.join() !== stamp.commands.join()) return 'the set of commands';
  for (const [path, mtimeMs, size] of stamp.inputs) if (!same(path, [mtimeMs, size])) return path;
  return undefined;
}

/**
 * Whether the file at `path` (relative to the repo) has the mtime and size recorded.
 * @param {string} path
 * @param {FileState} state
 */
function same(path, [mtimeMs, size]) {
  const st = fs.statSync(root + path, { throwIfNoEntry: false });
  return st !== undefined && st.mtimeMs === mtimeMs && st.size === size;
}

/**
 * Rebuild the bundle; false when it cannot be (the caller then runs the sources).
 * @param {string} why
 * @returns {Promise<boolean>}
 */
async function rebuild(why) {
  try {
    /** @type {typeof import('../tools/bundle.ts')} */
    const builder = await import(new URL('../tools/bundle.ts', import.meta.url).href);
    const r = await builder.bundle();
    if (debug) process.stderr.write(`tix: rebuilt dist/tix.mjs in ${r.ms} ms (changed: ${why})\n`);
    return true;
  } catch (e) {
    if (debug) process.stderr.write(`tix: running from the sources; could not rebuild dist/tix.mjs (changed: ${why}): ${e instanceof Error ? e.message : String(e)}\n`);
    return false;
  }
}

/** @returns {Promise<void>} */
async function start() {
  if (process.env.TIX_BUNDLE !== '0') {
    const why = staleness();
    if (why === undefined || (await rebuild(why))) {
      if (debug) process.setSourceMapsEnabled(true);
      await import(new URL('../dist/tix.mjs', import.meta.url).href);
      return;
    }
  }
  await import(new URL('./main.ts', import.meta.url).href);
}

await start();
