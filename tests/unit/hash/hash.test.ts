import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compressHash } from '../../../src/hash/compress.ts';
import { hashBytes } from '../../../src/hash/digest.ts';
import { parseHash, parseHashPrefixed, parseHashReturningFormat, parseHashSri } from '../../../src/hash/hash.ts';

// sha256("hello\n"), as printed by `nix-hash --type sha256 --flat [--base32]` (Nix 2.8).
const HELLO_HEX = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03';
const HELLO_NIX32 = '00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq';
const HELLO_B64 = 'WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=';

describe('Hash printing', () => {
  const h = hashBytes('sha256', 'hello\n');
  it('prints base16, nix32, base64 and SRI', () => {
    assert.equal(h.toString('base16', false), HELLO_HEX);
    assert.equal(h.toString('nix32', false), HELLO_NIX32);
    assert.equal(h.toString('base64', false), HELLO_B64);
    assert.equal(h.toString('sri'), `sha256-${HELLO_B64}`);
    assert.equal(h.toString('nix32'), `sha256:${HELLO_NIX32}`);
  });
});

describe('parseHash()', () => {
  const expected = hashBytes('sha256', 'hello\n');
  const forms = [`sha256:${HELLO_HEX}`, `sha256:${HELLO_NIX32}`, `sha256:${HELLO_B64}`, `sha256-${HELLO_B64}`];
  for (const f of forms) {
    it(`parses ${f.slice(0, 14)}...`, () => assert.ok(parseHashPrefixed(f).equals(expected)));
  }
  it('parses an unprefixed hash when the algorithm is given', () => {
    assert.ok(parseHash(HELLO_NIX32, 'sha256').equals(expected));
    assert.equal(parseHashReturningFormat(HELLO_HEX, 'sha256').format, 'base16');
  });
  it('rejects an unprefixed hash without an algorithm', () => {
    assert.throws(() => parseHash(HELLO_HEX), /does not include a type, nor is the type otherwise known/);
  });
  it('rejects a mismatched algorithm', () => {
    assert.throws(() => parseHash(`sha256:${HELLO_HEX}`, 'sha1'), /should have type 'sha1'/);
  });
  it('rejects a wrong length', () => {
    assert.throws(() => parseHashPrefixed('sha256:abcd'), /has wrong length for hash algorithm 'sha256'/);
  });
  it('rejects an unknown algorithm', () => {
    assert.throws(() => parseHashPrefixed('sha3:abcd'), /unknown hash algorithm 'sha3'/);
  });
  it('rejects an SRI hash of the wrong size', () => {
    assert.throws(() => parseHashSri('sha256-AAAA'), /invalid SRI hash/);
  });
});

describe('compressHash()', () => {
  it('XOR-folds bytes beyond the new size onto the start', () => {
    const h = Uint8Array.from([1, 2, 3, 4, 5]);
    assert.deepEqual([...compressHash(h, 2)], [1 ^ 3 ^ 5, 2 ^ 4]);
  });
});
