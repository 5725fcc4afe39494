/**
 * A synthetic closure for the load scenarios: `count` content-addressed store paths of
 * mixed sizes (log-uniform between `minBytes` and `maxBytes`) forming a DAG — each text
 * path refers to up to three earlier paths and names them in its contents, and every tenth
 * path is a small directory tree (`store add`). Content-addressed paths prove themselves,
 * so fetchers accept them under the default `require-sigs` without a key.
 *
 * Deterministic for a seed: the same spec gives the same store paths in any store, so
 * every provider can make its own copy and the fetchers know what to expect.
 */

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StorePath } from '../../src/store/index.ts';
import { LocalStore, resolveStoreLayout } from '../../src/store/local/index.ts';
import { prng } from '../support/bench.ts';

export interface ClosureSpec {
  readonly count: number;
  readonly seed: number;
  readonly minBytes?: number;
  readonly maxBytes?: number;
}

export interface Closure {
  /** Absolute store paths, references before referrers. */
  readonly paths: string[];
  /** Sum of the file bytes written (about the NAR bytes a full fetch moves). */
  readonly bytes: number;
}

/** Pseudo-random bytes from the seeded generator (incompressible, so every byte is sent). */
function noise(rnd: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const v = new DataView(out.buffer);
  let i = 0;
  for (; i + 4 <= n; i += 4) v.setUint32(i, Math.floor(rnd() * 2 ** 32));
  for (; i < n; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

/** Make the closure in the store at `root` (creating it) and return its paths. */
export async function makeClosure(root: string, spec: ClosureSpec, scratch: string): Promise<Closure> {
  const rnd = prng(spec.seed);
  const min = spec.minBytes ?? 64;
  const max = spec.maxBytes ?? 1024 * 1024;
  const store = await LocalStore.open(resolveStoreLayout(root), { fsync: false });
  const made: StorePath[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < spec.count; i++) {
      const size = Math.round(min * (max / min) ** rnd());
      if (i % 10 === 9) {
        // A directory tree: a few files sharing the size budget.
        const dir = join(scratch, `closure-${spec.seed}-${i}`);
        mkdirSync(join(dir, 'sub'), { recursive: true });
        const files = 2 + Math.floor(rnd() * 14);
        for (let f = 0; f < files; f++) writeFileSync(join(dir, f % 2 ? 'sub' : '', `f${f}`), noise(rnd, Math.ceil(size / files)));
        bytes += files * Math.ceil(size / files);
        made.push((await store.addToStore(dir, { method: 'nar', hashAlgo: 'sha256' })).path);
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      const refs = new Map<string, StorePath>();
      const nrefs = i === 0 ? 0 : Math.floor(rnd() * 4);
      // Mostly recent paths, so the DAG is deep as well as wide.
      for (let r = 0; r < nrefs; r++) {
        const j = Math.max(0, i - 1 - Math.floor(rnd() * Math.min(i, 50)));
        refs.set(made[j]!.baseName, made[j]!);
      }
      const header = new TextEncoder().encode([...refs.values()].map((p) => store.printPath(p) + '\n').join(''));
      const body = new Uint8Array(header.length + size);
      body.set(header);
      body.set(noise(rnd, size), header.length);
      bytes += body.length;
      made.push((await store.addTextToStore(`load-${spec.seed}-${i}`, body, [...refs.values()])).path);
    }
    return { paths: made.map((p) => store.printPath(p)), bytes };
  } finally {
    await store.close();
  }
}
