import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { BloomFilter } from '../../../../src/substitute/p2p/bloom.ts';

/** Uniform 20-byte digests, as store path hash parts are. */
const digest = (s: string): Uint8Array => createHash('sha256').update(s).digest().subarray(0, 20);

describe('BloomFilter', () => {
  it('has no false negatives', () => {
    const f = BloomFilter.forCount(5000);
    for (let i = 0; i < 5000; i++) f.add(digest(`in ${i}`));
    for (let i = 0; i < 5000; i++) assert.ok(f.has(digest(`in ${i}`)), `entry ${i}`);
  });

  it('keeps false positives near the rate it was sized for', () => {
    const f = BloomFilter.forCount(10_000);
    for (let i = 0; i < 10_000; i++) f.add(digest(`in ${i}`));
    let fp = 0;
    const trials = 100_000;
    for (let i = 0; i < trials; i++) if (f.has(digest(`out ${i}`))) fp++;
    const expected = f.falsePositiveRate(10_000);
    assert.ok(expected < 0.001, `expected rate ${expected}`);
    assert.ok(fp / trials < expected * 3 + 0.0002, `measured ${fp / trials}, expected ${expected}`);
  });

  it('rebuilds from its bytes', () => {
    const f = BloomFilter.forCount(10);
    f.add(digest('x'));
    const g = new BloomFilter(f.bits, f.hashes, f.data.slice());
    assert.ok(g.has(digest('x')));
  });

  const bad: { name: string; make: () => BloomFilter; code: string }[] = [
    { name: 'a size that is not a power of two', make: () => new BloomFilter(24, 3), code: 'E_BLOOM_SIZE' },
    { name: 'no hash functions', make: () => new BloomFilter(64, 0), code: 'E_BLOOM_HASHES' },
    { name: 'data of the wrong length', make: () => new BloomFilter(64, 3, new Uint8Array(7)), code: 'E_BLOOM_SIZE' },
  ];
  for (const c of bad) it(`rejects ${c.name}`, () => assert.throws(c.make, { code: c.code }));
});
