import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { checkEntryName, checkSymlinkTarget, encodeString, getU64, padLen, putU64, wireLen } from '../../../../src/store/nar/wire.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('padLen() and wireLen()', () => {
  const cases: [number, number, number][] = [
    [0, 0, 8],
    [1, 7, 16],
    [7, 1, 16],
    [8, 0, 16],
    [9, 7, 24],
    [13, 3, 24],
  ];
  for (const [len, pad, wire] of cases) {
    it(`pads a ${len}-byte string with ${pad} zero bytes (${wire} on the wire)`, () => {
      assert.equal(padLen(len), pad);
      assert.equal(wireLen(len), wire);
    });
  }
});

describe('putU64() / getU64()', () => {
  for (const n of [0, 1, 255, 256, 0xffffffff, 0x100000000, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
    it(`round-trips ${n} little-endian`, () => {
      const b = new Uint8Array(8);
      putU64(b, 0, n);
      assert.equal(new DataView(b.buffer).getBigUint64(0, true), BigInt(n));
      assert.equal(getU64(b, 0), n);
    });
  }

  it('reads values beyond 2^53 - 1 as Infinity so that every limit rejects them', () => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, 2n ** 53n, true);
    assert.equal(getU64(b, 0), Infinity);
    new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    assert.equal(getU64(b, 0), Infinity);
  });
});

describe('encodeString()', () => {
  it('writes length, bytes and zero padding', () => {
    assert.deepEqual([...encodeString('abc')], [3, 0, 0, 0, 0, 0, 0, 0, 97, 98, 99, 0, 0, 0, 0, 0]);
    assert.deepEqual([...encodeString('')], [0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('checkEntryName()', () => {
  const ok = ['a', '...', '.a', 'a.', '..a', 'é', 'x'.repeat(255), 'with space', 'back\\slash'];
  for (const n of ok) it(`accepts '${n.slice(0, 20)}'`, () => assert.equal(checkEntryName(bytes(n)), undefined));
  const bad: [string, Uint8Array][] = [
    ['an empty name', bytes('')],
    ['.', bytes('.')],
    ['..', bytes('..')],
    ['a name with /', bytes('a/b')],
    ['a name with NUL', bytes('a\0b')],
    ['a 256-byte name', bytes('x'.repeat(256))],
  ];
  for (const [what, n] of bad) it(`rejects ${what}`, () => assert.notEqual(checkEntryName(n), undefined));
});

describe('checkSymlinkTarget()', () => {
  it('accepts absolute, relative and dot-dot targets (they are data)', () => {
    for (const t of ['/etc/passwd', '../../x', 'a', 'x'.repeat(4095)]) assert.equal(checkSymlinkTarget(bytes(t)), undefined);
  });
  it('rejects empty, NUL-containing and over-long targets', () => {
    for (const t of ['', 'a\0b', 'x'.repeat(4096)]) assert.notEqual(checkSymlinkTarget(bytes(t)), undefined);
  });
});
