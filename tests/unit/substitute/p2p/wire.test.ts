import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeNix32 } from '../../../../src/hash/nix32.ts';
import {
  decodeBody, encodeFrame, encodeFrameParts, expectType, FRAME_CAP, FRAME_TYPE, FrameDecoder, MAX_NARINFO_BYTES, MAX_PATHS_PER_REQUEST, type Message,
} from '../../../../src/substitute/p2p/wire.ts';

const H1 = '0123456789abcdfghijklmnpqrsvwxyz';
const H2 = encodeNix32(new Uint8Array(20).fill(0xff));
const H3 = encodeNix32(new Uint8Array(20));

/** Split a frame back into its body (after the length prefix). */
function body(frame: Uint8Array): Uint8Array {
  const d = new FrameDecoder(1 << 30);
  d.push(frame);
  const f = d.next();
  assert.ok(f);
  assert.equal(d.next(), undefined);
  return f.body;
}

const roundTrips: { name: string; m: Message }[] = [
  { name: 'narinfo-request', m: { type: 'narinfo-request', hashParts: [H1, H2, H3] } },
  { name: 'narinfo', m: { type: 'narinfo', text: `StorePath: /nix/store/${H1}-x\nNarSize: 1\n` } },
  { name: 'end', m: { type: 'end', count: 4_000_000_000 } },
  { name: 'error', m: { type: 'error', code: 3, message: 'not here: ✓' } },
  { name: 'nar-request with zstd', m: { type: 'nar-request', hashPart: H1, acceptZstd: true } },
  { name: 'nar-request without zstd', m: { type: 'nar-request', hashPart: H2, acceptZstd: false } },
  { name: 'nar-header', m: { type: 'nar-header', compression: 'zstd', narSize: 2 ** 53 - 1 } },
  { name: 'nar-data', m: { type: 'nar-data', bytes: new Uint8Array([0, 1, 2, 255]) } },
  { name: 'nar-end', m: { type: 'nar-end', narSize: 123456789012 } },
  { name: 'inventory-subscribe', m: { type: 'inventory-subscribe' } },
  { name: 'inventory-filter', m: { type: 'inventory-filter', seq: 7, count: 2, hashes: 11, bits: 64, data: new Uint8Array(8).fill(0xa5) } },
  { name: 'inventory-delta', m: { type: 'inventory-delta', seq: 8, added: [H1, H2], removed: [H3] } },
  { name: 'have-request', m: { type: 'have-request', id: 42, hashParts: [H3, H1] } },
  { name: 'have-response', m: { type: 'have-response', id: 42, have: [true, false, false, true, true, false, true, false, true] } },
  { name: 'bulk-request', m: { type: 'bulk-request', hashPart: H2 } },
  { name: 'bulk-offer', m: { type: 'bulk-offer', narSize: 2 ** 40, port: 65535, token: new Uint8Array(16).fill(9), key: new Uint8Array(32).fill(0xee) } },
];

describe('encodeFrame() and decodeBody()', () => {
  for (const c of roundTrips) {
    it(`round-trips a ${c.name} frame`, () => {
      assert.deepEqual(decodeBody(body(encodeFrame(c.m))), c.m);
    });
  }

  it('round-trips arbitrary path lists, deltas and bitmaps', () => {
    const hashPart = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(encodeNix32);
    fc.assert(fc.property(
      fc.array(hashPart, { minLength: 1, maxLength: 50 }), fc.array(hashPart, { maxLength: 50 }), fc.array(fc.boolean(), { maxLength: 100 }), fc.nat(),
      (a, b, bits, id) => {
        for (const m of [
          { type: 'narinfo-request', hashParts: a },
          { type: 'have-request', id: id % 2 ** 32, hashParts: a },
          { type: 'inventory-delta', seq: id, added: a, removed: b },
          { type: 'have-response', id: id % 2 ** 32, have: bits },
        ] as Message[]) assert.deepEqual(decodeBody(body(encodeFrame(m))), m);
      },
    ));
  });
});

describe('encodeFrameParts()', () => {
  const joined = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

  it('gives the bytes of encodeFrame() for every kind of frame', () => {
    for (const c of roundTrips) assert.deepEqual(joined(encodeFrameParts(c.m)), encodeFrame(c.m), c.name);
  });

  it('gives a nar-data frame as its prefix and the payload itself, for any payload length', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300_000 }), (n) => {
      const bytes = new Uint8Array(n).fill(n & 0xff);
      const m: Message = { type: 'nar-data', bytes };
      const parts = encodeFrameParts(m);
      assert.equal(parts.length, 2);
      assert.equal(parts[1], bytes, 'the payload is not copied');
      assert.deepEqual(joined(parts), encodeFrame(m));
    }), { numRuns: 40 });
  });
});

describe('FrameDecoder', () => {
  it('reassembles frames from any chunking', () => {
    const stream = Uint8Array.from(roundTrips.flatMap((c) => [...encodeFrame(c.m)]));
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 200 }), (cuts) => {
      const d = new FrameDecoder(FRAME_CAP.inventory);
      const got: Message[] = [];
      let i = 0;
      for (const n of [...cuts, stream.length]) {
        d.push(stream.subarray(i, Math.min(stream.length, i + n)));
        i = Math.min(stream.length, i + n);
        for (let f = d.next(); f; f = d.next()) got.push(decodeBody(f.body, f.offset));
      }
      d.end();
      assert.deepEqual(got, roundTrips.map((c) => c.m));
    }));
  });

  it('reports the stream offset of each frame', () => {
    const a = encodeFrame({ type: 'end', count: 1 });
    const d = new FrameDecoder(100);
    d.push(a);
    d.push(a);
    assert.equal(d.next()!.offset, 0);
    assert.equal(d.next()!.offset, a.length);
  });
});

/** Frame bytes from a type and payload. */
function raw(type: number, payload: number[] | Uint8Array): Uint8Array {
  const b = Uint8Array.from([type, ...payload]);
  const len: number[] = [];
  let n = b.length;
  while (n >= 0x80) { len.push((n & 0x7f) | 0x80); n >>>= 7; }
  len.push(n);
  return Uint8Array.from([...len, ...b]);
}

const u64 = (v: bigint): number[] => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v); return [...b]; };
const u32 = (v: number): number[] => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v); return [...b]; };
const digest = (k = 0): number[] => new Array<number>(20).fill(k);

const malformed: { name: string; bytes: Uint8Array; code: string; cap?: number; end?: boolean }[] = [
  { name: 'a length prefix longer than 5 bytes', bytes: Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), code: 'E_WIRE_VARINT' },
  { name: 'a non-minimal length prefix', bytes: Uint8Array.from([0x81, 0x00, 0x03]), code: 'E_WIRE_VARINT' },
  { name: 'an empty frame', bytes: Uint8Array.from([0x00]), code: 'E_WIRE_EMPTY_FRAME' },
  { name: 'a frame over the cap', bytes: raw(FRAME_TYPE['nar-data'], new Uint8Array(101)), code: 'E_WIRE_FRAME_TOO_LARGE', cap: 100 },
  { name: 'a stream ending inside a frame', bytes: raw(FRAME_TYPE.end, u32(1)).subarray(0, 4), code: 'E_WIRE_TRUNCATED', end: true },
  { name: 'an unknown frame type', bytes: raw(0x7f, []), code: 'E_WIRE_UNKNOWN_TYPE' },
  { name: 'a path list that is not whole digests', bytes: raw(FRAME_TYPE['narinfo-request'], digest().concat([1])), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a narinfo request for no paths', bytes: raw(FRAME_TYPE['narinfo-request'], []), code: 'E_WIRE_EMPTY_REQUEST' },
  { name: 'a have request for too many paths', bytes: raw(FRAME_TYPE['have-request'], [...u32(1), ...new Array<number>((MAX_PATHS_PER_REQUEST + 1) * 20).fill(0)]), code: 'E_WIRE_TOO_MANY_PATHS' },
  { name: 'an empty narinfo', bytes: raw(FRAME_TYPE.narinfo, []), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a narinfo over the size cap', bytes: raw(FRAME_TYPE.narinfo, new Uint8Array(MAX_NARINFO_BYTES + 1).fill(65)), code: 'E_WIRE_NARINFO_TOO_LARGE' },
  { name: 'an end frame with trailing bytes', bytes: raw(FRAME_TYPE.end, [...u32(1), 0]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'an error frame without its code', bytes: raw(FRAME_TYPE.error, [1]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a nar request without its flags byte', bytes: raw(FRAME_TYPE['nar-request'], digest()), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a nar header with an unknown compression', bytes: raw(FRAME_TYPE['nar-header'], [2, ...u64(1n)]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a nar header size beyond 2^53', bytes: raw(FRAME_TYPE['nar-header'], [0, ...u64(2n ** 60n)]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'an empty nar-data frame', bytes: raw(FRAME_TYPE['nar-data'], []), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a filter whose size is not a power of two', bytes: raw(FRAME_TYPE['inventory-filter'], [...u64(1n), ...u32(0), 3, ...u32(24), 0, 0, 0]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a filter with no hash functions', bytes: raw(FRAME_TYPE['inventory-filter'], [...u64(1n), ...u32(0), 0, ...u32(8), 0]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a filter with the wrong number of bytes', bytes: raw(FRAME_TYPE['inventory-filter'], [...u64(1n), ...u32(0), 3, ...u32(16), 0]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a delta with no paths', bytes: raw(FRAME_TYPE['inventory-delta'], [...u64(1n), ...u32(0), ...u32(0)]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a delta shorter than its counts', bytes: raw(FRAME_TYPE['inventory-delta'], [...u64(1n), ...u32(2), ...u32(0), ...digest()]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a have response for too many paths', bytes: raw(FRAME_TYPE['have-response'], [...u32(1), ...u32(MAX_PATHS_PER_REQUEST + 1)]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a have response with a short bitmap', bytes: raw(FRAME_TYPE['have-response'], [...u32(1), ...u32(9), 0]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a bulk offer with port 0', bytes: raw(FRAME_TYPE['bulk-offer'], [...u64(1n), 0, 0, ...new Array<number>(48).fill(1)]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a bulk offer with a short key', bytes: raw(FRAME_TYPE['bulk-offer'], [...u64(1n), 0, 80, ...new Array<number>(47).fill(1)]), code: 'E_WIRE_BAD_PAYLOAD' },
  { name: 'a bulk request with trailing bytes', bytes: raw(FRAME_TYPE['bulk-request'], [...digest(), 0]), code: 'E_WIRE_BAD_PAYLOAD' },
];

describe('malformed frames', () => {
  for (const c of malformed) {
    it(`rejects ${c.name}`, () => {
      const prefix = encodeFrame({ type: 'inventory-subscribe' });
      const d = new FrameDecoder(c.cap ?? FRAME_CAP.inventory);
      d.push(prefix);
      d.push(c.bytes);
      assert.deepEqual(decodeBody(d.next()!.body), { type: 'inventory-subscribe' });
      assert.throws(() => {
        const f = d.next();
        if (f) decodeBody(f.body, f.offset);
        if (c.end) d.end();
        else assert.fail('no error');
      }, (e: Error & { code?: string; offset?: number }) => {
        assert.equal(e.name, 'WireError');
        assert.equal(e.code, c.code);
        // The offset points at the offending frame, after the good one.
        assert.equal(e.offset, prefix.length);
        return true;
      });
    });
  }

  it('rejects a frame type the protocol does not expect here', () => {
    assert.throws(() => expectType({ type: 'nar-end', narSize: 1 }, ['nar-header'], 9), { code: 'E_WIRE_UNEXPECTED_FRAME', offset: 9 });
  });
});
