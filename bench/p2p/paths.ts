/**
 * Deterministic store paths for the P2P benchmarks: path `i` of node `n` is the text path of
 * the contents `bench node n path i`, made by the same `makeTextPath` the store uses, so the
 * orchestrator and every worker agree on them without sending lists around.
 */

import { hashBytes } from '../../src/hash/index.ts';
import { StoreDir, type StorePath } from '../../src/store/index.ts';

export const storeDir = new StoreDir('/nix/store');

export function benchPath(node: number, i: number): StorePath {
  return storeDir.makeTextPath(`bench-${node}-${i}`, hashBytes('sha256', `bench node ${node} path ${i}`));
}

/** A small deterministic PRNG (mulberry32) so samples are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Median and p95 of a list of numbers (milliseconds). */
export function percentiles(xs: number[]): { n: number; median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN);
  return { n: s.length, median: at(0.5), p95: at(0.95), max: s.length ? s[s.length - 1]! : NaN };
}
