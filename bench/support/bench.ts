/**
 * What every benchmark script shares: numeric `--name N` flags, a millisecond clock, medians
 * and percentiles, a seeded PRNG so samples (and failing soak runs) can be repeated, and
 * the path of bin/tix.
 */

import { join } from 'node:path';

/** bin/tix of this checkout: tix as a user runs it, on the pinned Node. */
export const TIX_BIN = join(import.meta.dirname, '..', '..', 'bin', 'tix');

/** The number after `--name` on the command line, or `dflt`. */
export function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Monotonic milliseconds. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** mulberry32: a small seeded PRNG, so samples are reproducible and a failing run can be repeated with its seed. */
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
