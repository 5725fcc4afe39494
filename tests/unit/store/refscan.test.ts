import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NIX32_ALPHABET } from '../../../src/hash/index.ts';
import { RefScanner, scanForReferences } from '../../../src/store/index.ts';

const A = 'ahkjshd5rc9s3jcsy5b2r2cq2v96l2hs'; // 32 nix32 characters
const B = '00000000000000000000000000000000';
const C = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz';
const enc = (s: string) => Buffer.from(s, 'latin1');

function scan(chunks: (string | Uint8Array)[], candidates: string[]): string[] {
  const s = new RefScanner(candidates);
  for (const c of chunks) s.update(typeof c === 'string' ? enc(c) : c);
  return [...s.found].sort();
}

/** The reference answer: plain substring search over the whole input. */
function naive(data: string, candidates: string[]): string[] {
  return [...new Set(candidates.filter((c) => data.includes(c)))].sort();
}

describe('RefScanner', () => {
  it('finds the hash parts that occur and only those', () => {
    assert.deepEqual(scan([`/nix/store/${A}-hello/bin`], [A, C]), [A]);
  });

  it('finds a hash part inside a longer run of nix32 characters', () => {
    assert.deepEqual(scan([`00${A}zz`], [A]), [A]);
  });

  it('finds overlapping hash parts', () => {
    assert.deepEqual(scan(['0'.repeat(40) + 'z'.repeat(40)], [B, C]), [B, C]);
  });

  it('finds a hash part split at every position between two chunks', () => {
    const data = `xx${A}yy`;
    for (let cut = 0; cut <= data.length; cut++) {
      assert.deepEqual(scan([data.slice(0, cut), data.slice(cut)], [A]), [A], `cut at ${cut}`);
    }
  });

  it('finds a hash part fed one byte at a time', () => {
    assert.deepEqual(scan([...`-${A}-`], [A]), [A]);
  });

  it('does not join characters separated by a non-nix32 byte across chunks', () => {
    assert.deepEqual(scan([A.slice(0, 10), 'e', A.slice(10)], [A]), []);
  });

  it('ignores a hash part that is cut short by the end of input', () => {
    assert.deepEqual(scan([A.slice(0, 31)], [A]), []);
  });

  it('accepts duplicate candidates', () => {
    assert.deepEqual(scan([A], [A, A]), [A]);
  });

  it('says when every candidate has been found', () => {
    const s = new RefScanner([A, C]);
    s.update(enc(A));
    assert.equal(s.complete, false);
    s.update(enc(C));
    assert.equal(s.complete, true);
  });

  for (const bad of ['short', A.toUpperCase(), A.slice(0, 31) + 'e', A + '0']) {
    it(`rejects the candidate '${bad}'`, () => assert.throws(() => new RefScanner([bad]), { code: 'E_REFSCAN_HASH' }));
  }

  it('agrees with plain substring search for any data and chunking', () => {
    // Data mostly from a small nix32 alphabet so that long runs and near misses are common.
    const hashArb = fc.string({ unit: fc.constantFrom(...'01az'), minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(
        fc.array(hashArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'01az-e'), maxLength: 40 }), fc.nat(5)), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (candidates, pieces, cuts) => {
          const data = pieces.map((p) => (typeof p === 'number' ? candidates[p % candidates.length] : p)).join('');
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let from = 0;
          for (const c of [...points, data.length]) {
            chunks.push(data.slice(from, c));
            from = c;
          }
          assert.deepEqual(scan(chunks, candidates), naive(data, candidates));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('handles every nix32 character', () => {
    const h = NIX32_ALPHABET; // exactly 32 characters
    assert.deepEqual(scan([`\0${h}\0`], [h]), [h]);
  });
});

describe('scanForReferences()', () => {
  it('scans an async stream', async () => {
    async function* chunks() {
      yield enc(`${A.slice(0, 5)}`);
      yield enc(`${A.slice(5)}...${C}`);
    }
    assert.deepEqual([...(await scanForReferences(chunks(), [A, B, C]))].sort(), [A, C]);
  });
});
