/**
 * Builds dist/tix.mjs, the single-file bundle of the `tix` command that bin/tix runs, and
 * dist/tix.stamp.json, the record cli/launch.mjs checks to know the bundle is fresh.
 *
 * Why: Node's ESM loader spends ~0.1 s resolving, type-stripping and linking the ~120-280
 * TypeScript modules a command loads, ten times the evaluator's own start-up work. One
 * bundled file (esbuild, types erased, the sources' code unchanged otherwise) loads in a
 * few milliseconds with NODE_COMPILE_CACHE. The sources stay the truth: the bundle is a
 * build artifact (gitignored), rebuilt by `npm ci`/`npm install` (the `prepare` script), by
 * `npm test`, and by cli/launch.mjs itself whenever any file it was built from changed.
 *
 *   node tools/bundle.ts            build (what `prepare` and `npm test` run)
 *   node tools/bundle.ts --prepare  build, but only warn on failure (npm ci must not fail
 *                                   because of it: tix then runs from the sources)
 *
 * What the bundle contains and how it differs from running cli/main.ts:
 * - The entry is generated: cli/dispatch.ts with a table of `import()`s of every
 *   cli/commands/*.ts, so a command's modules still initialise only when it runs (esbuild
 *   turns each import() of a bundled module into a lazy initialiser), and the commands'
 *   summaries where they are string literals, so `tix --help` initialises none.
 * - npm dependencies are bundled too, except classic-level's binding.js (it loads the native
 *   addon found next to it): it is require()d from node_modules when the store DB opens.
 * - `import.meta.url` in a source file still names that source file (rewritten to a URL
 *   relative to the bundle), so paths computed from it (node/main.ts for `tix node start`,
 *   the download child, package.json) are the same as from the sources.
 * - `node:` built-ins are taken with process.getBuiltinModule instead of ESM imports (an
 *   ESM import of a built-in builds an export facade, which for node:crypto also loads
 *   WebCrypto), and the costly ones (crypto, zlib, child_process, streams, net...) load on
 *   first use of one of their exports, so `tix instantiate --eval` never loads them.
 *
 * The stamp (format shared with cli/launch.mjs): `{ version: 2, node, bundle, commands,
 * inputs }` where `node` is process.version, `bundle` dist/tix.mjs's `[mtimeMs, size]`,
 * `commands` the sorted command names, and `inputs` every file esbuild read (and the
 * package files, tsconfig.json and this builder), as `[path relative to the repo, mtimeMs,
 * size]`. A file changed while
 * the build ran gets mtimeMs -1, so the next start rebuilds. Files are written to temporary
 * names and renamed, bundle first, so a concurrent start sees a consistent pair.
 */

import { readFile } from 'node:fs/promises';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandNames } from '../cli/command-names.ts';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = join(root, 'dist');
export const bundlePath = join(distDir, 'tix.mjs');
export const stampPath = join(distDir, 'tix.stamp.json');

/** Built-ins that cost milliseconds to load: bound lazily, on first use of an export. */
const LAZY_BUILTINS = new Set([
  'crypto', 'zlib', 'child_process', 'stream', 'stream/promises', 'stream/web', 'net',
  'fs/promises', 'worker_threads', 'timers/promises', 'module',
]);


/**
 * A command's one-line summary when its file states it as a plain string literal, so that
 * `tix --help` need not initialise every command; undefined otherwise (help then loads it).
 */
function literalSummary(name: string): string | undefined {
  const text = readFileSync(join(root, 'cli', 'commands', `${name}.ts`), 'utf8');
  const m = /^export const summary = '([^'\\\n]*)';$/m.exec(text);
  return m?.[1];
}

function entrySource(names: readonly string[]): string {
  const table = names.map((n) => `  ${JSON.stringify(n)}: () => import(${JSON.stringify(`./cli/commands/${n}.ts`)}),`).join('\n');
  const summaries = Object.fromEntries(names.flatMap((n) => { const s = literalSummary(n); return s === undefined ? [] : [[n, s]]; }));
  return `import { dispatch } from './cli/dispatch.ts';
import type { CommandModule } from './cli/command.ts';
const table: Record<string, () => Promise<CommandModule>> = {
${table}
};
await dispatch(process.argv.slice(2), { names: ${JSON.stringify(names)}, summaries: ${JSON.stringify(summaries)}, load: (name) => table[name]!() });
`;
}

/**
 * The module that stands for `node:ID` in the bundle: its exports read from
 * process.getBuiltinModule, each behind a pure call so that esbuild drops the ones nothing
 * imports (reading an export can run a lazy getter, e.g. node:util's TextDecoder). For a
 * costly built-in, a function export is a forwarder that loads the module on first call;
 * other exports (classes, constants) load it when the importing module initialises. The
 * export names are those of the Node that builds; the stamp records its version.
 */
function builtinShim(id: string): string {
  const spec = JSON.stringify(`node:${id}`);
  const mod = process.getBuiltinModule(`node:${id}`) as Record<string, unknown>;
  const names = Object.getOwnPropertyNames(mod).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default' && n !== '__esModule');
  const lazy = LAZY_BUILTINS.has(id);
  const lines = [
    lazy ? `let m; const load = () => (m ??= process.getBuiltinModule(${spec}));` : `const m = process.getBuiltinModule(${spec}); const load = () => m;`,
    'const value = (k) => load()[k];',
    'const forward = (k) => function (...args) { return load()[k].apply(this, args); };',
    // The default export (`import crypto from 'node:crypto'`) is the module object; for a
    // costly one an object whose properties load it when read.
    lazy
      ? `const lazyObject = () => { const o = {}; for (const k of ${JSON.stringify(names)}) Object.defineProperty(o, k, { enumerable: true, get: () => load()[k] }); return o; };\nexport default /* @__PURE__ */ lazyObject();`
      : 'export default m;',
  ];
  for (const n of names) {
    // getOwnPropertyDescriptor does not run a lazy getter, unlike reading the property.
    const d = Object.getOwnPropertyDescriptor(mod, n)!;
    const isFunction = 'value' in d && typeof d.value === 'function' && !/^[A-Z]/.test(n);
    lines.push(`export const ${n} = /* @__PURE__ */ ${lazy && isFunction ? 'forward' : 'value'}(${JSON.stringify(n)});`);
  }
  return lines.join('\n');
}

/** The generated entry's name in messages and the source map (no such file exists). */
const ENTRY_NAME = '<tix-bundle-entry>.ts';

type EsbuildModule = typeof import('esbuild');

/** Build dist/tix.mjs and its stamp; throws if esbuild is missing or a source does not compile. */
export async function bundle(): Promise<{ inputs: number; bytes: number; ms: number }> {
  const started = Date.now();
  const esbuild: EsbuildModule = await import('esbuild');
  const names = commandNames(join(root, 'cli', 'commands'));
  mkdirSync(distDir, { recursive: true });
  const plugin = {
    name: 'tix',
    setup(b: import('esbuild').PluginBuild) {
      b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path.slice('node:'.length), namespace: 'builtin' }));
      // classic-level's native binding finds its binary next to its own file: leave it there.
      b.onResolve({ filter: /^\.\/binding(\.js)?$/ }, (a) =>
        /\/node_modules\/classic-level\/[^/]+\.js$/.test(a.importer) ? { path: 'classic-level/binding.js', external: true } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({ contents: builtinShim(a.path), loader: 'js' }));
      // import.meta.url keeps naming the source file, relative to wherever the bundle is.
      b.onLoad({ filter: /\.ts$/ }, async (a) => {
        if (a.path.includes('/node_modules/')) return undefined;
        const text = await readFile(a.path, 'utf8');
        const url = `new URL(${JSON.stringify(relative(distDir, a.path))}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
  const result = await esbuild.build({
    stdin: { contents: entrySource(names), resolveDir: root, sourcefile: ENTRY_NAME, loader: 'ts' },
    outfile: bundlePath,
    absWorkingDir: root, // metafile paths are relative to it
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    // esbuild's require() of the external binding needs a `require` in ESM output.
    banner: { js: `const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);` },
    // Stack traces name bundle lines; TIX_DEBUG makes cli/launch.mjs map them to the sources.
    sourcemap: 'linked',
    sourcesContent: false,
    // Smaller and pure ASCII (comments go), so Node decodes and V8 scans less; names stay.
    // Short lines: Node prints the line of an uncaught exception's throw site.
    minifyWhitespace: true,
    minifySyntax: true,
    lineLimit: 160,
    plugins: [plugin],
    metafile: true,
    logLevel: 'warning',
  });
  // The lockfile stands for the dependencies (an upgrade may change which files are read),
  // tsconfig.json and this file for how they are compiled and bundled.
  const inputs = [...Object.keys(result.metafile.inputs), 'package.json', 'package-lock.json', 'tsconfig.json', 'tools/bundle.ts', 'cli/command-names.ts']
    .filter((p) => !p.includes(':') && p !== ENTRY_NAME) // builtin:..., the generated entry
    .map((p) => relative(root, resolve(root, p)))
    .sort();
  const tmp = (path: string) => `${path}.${process.pid}.tmp`;
  for (const f of result.outputFiles) writeFileSync(tmp(f.path), f.contents);
  // rename() keeps the mtime, so this is what dist/tix.mjs will show.
  const out = statSync(tmp(bundlePath));
  const stamp = {
    version: 2,
    node: process.version,
    bundle: [out.mtimeMs, out.size],
    commands: names,
    inputs: inputs.map((p) => {
      const st = statSync(join(root, p));
      return [p, st.mtimeMs >= started - 1 ? -1 : st.mtimeMs, st.size] as const;
    }),
  };
  const bytes = out.size;
  writeFileSync(tmp(stampPath), JSON.stringify(stamp) + '\n');
  for (const f of result.outputFiles) renameSync(tmp(f.path), f.path);
  renameSync(tmp(stampPath), stampPath);
  return { inputs: inputs.length, bytes, ms: Date.now() - started };
}

/** Remove the bundle, so that tix runs from the sources until the next build. */
export function removeBundle(): void {
  rmSync(bundlePath, { force: true });
  rmSync(stampPath, { force: true });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const prepare = process.argv.includes('--prepare');
  try {
    const r = await bundle();
    process.stderr.write(`tix: built dist/tix.mjs (${r.inputs} files, ${Math.round(r.bytes / 1024)} KiB) in ${r.ms} ms\n`);
  } catch (e) {
    if (!prepare) throw e;
    removeBundle();
    process.stderr.write(`tix: could not build dist/tix.mjs, tix will run from the sources: ${(e as Error).message}\n`);
  }
}
