/**
 * The import graph is the architecture (design.md, "Layers"). This test reads every import
 * under src/, node/ and cli/ and fails on an import a layer may not make, on I/O in a pure
 * module, and on cycles.
 */

import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function walk(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

const files = ['src', 'node', 'cli'].flatMap((d) => walk(join(root, d))).map((f) => relative(root, f));

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Layer of a repo-relative file. */
function layerOf(f: string): string {
  if (f.startsWith('cli/')) return 'cli';
  if (f.startsWith('node/')) return 'node';
  if (f === 'src/errors.ts' || f.startsWith('src/util/')) return 'util';
  if (f.startsWith('src/store/local/')) return 'store-local';
  if (f === 'src/config/parse.ts' || f === 'src/config/settings.ts') return 'config-pure';
  if (f === 'src/substitute/p2p/wire.ts' || f === 'src/substitute/p2p/bulk-records.ts') return 'wire';
  const m = /^src\/([^/]+)\//.exec(f);
  if (m) return m[1] === 'store' ? 'store' : m[1]!;
  return 'other';
}

const PURE = new Set(['util', 'hash', 'store', 'trust', 'lang', 'config-pure', 'wire']);
const PURE_DEPS = ['util', 'hash', 'store'];
const IO_LAYERS = ['store-local', 'config', 'config-pure'];

/** Which layers each layer may import. */
const ALLOWED: Record<string, string[]> = {
  util: ['util'],
  hash: ['util', 'hash'],
  store: ['util', 'hash', 'store'],
  trust: [...PURE_DEPS, 'trust'],
  lang: [...PURE_DEPS, 'lang'],
  'config-pure': ['util', 'config-pure'],
  wire: ['util', 'hash', 'store', 'wire'],
  config: ['util', 'config', 'config-pure'],
  'store-local': [...PURE_DEPS, 'trust', ...IO_LAYERS],
  build: [...PURE_DEPS, 'trust', ...IO_LAYERS, 'build', 'substitute', 'wire'],
  substitute: [...PURE_DEPS, 'trust', ...IO_LAYERS, 'substitute', 'wire'],
  glue: [...PURE_DEPS, 'trust', 'lang', ...IO_LAYERS, 'build', 'substitute', 'wire', 'glue'],
};

const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|os|worker_threads|dgram|cluster|tls)$|^level$|^classic-level$|^libp2p$|^@libp2p\/|^@chainsafe\/|^datastore-/;

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return relative(root, resolve(root, dirname(from), spec));
}

describe('layer rules', () => {
  it('finds the source files', () => {
    assert.ok(files.length > 0);
  });

  it('lets each layer import only the layers below it', () => {
    const bad: string[] = [];
    for (const f of files) {
      const layer = layerOf(f);
      for (const spec of importsOf(f)) {
        const target = resolveImport(f, spec);
        if (!target) continue;
        const tl = layerOf(target);
        if (layer === 'cli' || layer === 'node') {
          if (tl === (layer === 'cli' ? 'node' : 'cli')) bad.push(`${f} imports ${spec}: cli/ and node/ never import each other`);
          else if (target.startsWith('src/') && !/^src\/[^/]+(\/local)?\/index\.ts$/.test(target) && target !== 'src/index.ts') {
            bad.push(`${f} imports ${spec}: cli/ and node/ reach src/ only through a layer's index.ts`);
          }
          continue;
        }
        if (tl === 'cli' || tl === 'node') {
          bad.push(`${f} imports ${spec}: src/ never imports cli/ or node/`);
          continue;
        }
        const allowed = ALLOWED[layer];
        if (allowed && !allowed.includes(tl)) bad.push(`${f} (${layer}) imports ${spec} (${tl})`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('keeps pure modules free of I/O', () => {
    const bad: string[] = [];
    for (const f of files) {
      if (!PURE.has(layerOf(f))) continue;
      for (const spec of importsOf(f)) if (IO_MODULES.test(spec)) bad.push(`${f} imports ${spec}`);
      const text = readFileSync(join(root, f), 'utf8');
      for (const re of [/process\.env/, /Date\.now\(\)/, /Math\.random\(\)/, /new Date\(\)/, /process\.cwd\(\)/]) {
        if (re.test(text)) bad.push(`${f} uses ${re.source}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('has no import cycles between files', () => {
    const graph = new Map<string, string[]>();
    for (const f of files) {
      graph.set(f, importsOf(f).map((s) => resolveImport(f, s)).filter((t): t is string => !!t && files.includes(t)));
    }
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 1);
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === 1) cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 2);
    };
    for (const f of files) if (!state.has(f)) visit(f);
    assert.deepEqual(cycles, []);
  });
});
