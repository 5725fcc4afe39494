import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeNix32, encodeNix32, nix32EncodedLength } from '../../../src/hash/nix32.ts';

describe('encodeNix32()', () => {
  const cases = [
    { name: 'empty', bytes: [], text: '' },
    { name: 'one zero byte', bytes: [0], text: '00' },
    { name: 'one 0xff byte', bytes: [0xff], text: '7z' },
    // `nix-hash --to-base32 --type sha1 0102...14` (Nix 2.8)
    { name: 'a sha1 digest', bytes: Array.from({ length: 20 }, (_, i) => i + 1), text: '2h9i448h1w70s30b184hh1q60l2060h1' },
  ];
  for (const c of cases) {
    it(`encodes ${c.name}`, () => {
      assert.equal(encodeNix32(Uint8Array.from(c.bytes)), c.text);
      assert.deepEqual([...decodeNix32(c.text, c.bytes.length)], c.bytes);
    });
  }

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      const s = encodeNix32(b);
      assert.equal(s.length, nix32EncodedLength(b.length));
      assert.deepEqual(decodeNix32(s, b.length), b);
    }));
  });
});

describe('decodeNix32()', () => {
  it('rejects characters outside the alphabet', () => {
    assert.throws(() => decodeNix32('0e', 1), { code: 'E_NIX32_CHAR' });
    assert.throws(() => decodeNix32('0u', 1), { code: 'E_NIX32_CHAR' });
  });
  it('rejects a string whose top bits overflow the digest', () => {
    assert.throws(() => decodeNix32('zz', 1), { code: 'E_NIX32_OVERFLOW' });
  });
  it('rejects a length that does not match the size', () => {
    assert.throws(() => decodeNix32('000', 1), { code: 'E_NIX32_LENGTH' });
  });
});
