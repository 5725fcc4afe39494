import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BULK_HELLO_BYTES, checkHello, deriveBulkKeys, encodeHello, helloToken, RECORD_MAX, RecordOpener, RecordSealer, type BulkKeys,
} from '../../../../src/substitute/p2p/bulk-records.ts';

const KEY = new Uint8Array(32).fill(7);
const TOKEN = new Uint8Array(16).fill(3);
const keys = deriveBulkKeys(KEY, TOKEN);

/** The records of `plains` (the last one final), as one byte stream. */
function stream(plains: Uint8Array[], k: BulkKeys = keys): Uint8Array {
  const s = new RecordSealer(k);
  return Buffer.concat(plains.flatMap((p, i) => s.seal(p, i === plains.length - 1)));
}

/** Open `bytes` pushed in pieces of `cut` bytes; returns the plaintext. */
function open(bytes: Uint8Array, cut = bytes.length, k: BulkKeys = keys): Uint8Array {
  const o = new RecordOpener(k);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += Math.max(1, cut)) out.push(...o.push(bytes.subarray(i, i + Math.max(1, cut))));
  o.end();
  return Buffer.concat(out);
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.equal((e as Error).name, 'BulkRecordError');
    return (e as { code: string }).code;
  }
  return 'no error';
};

describe('RecordSealer and RecordOpener', () => {
  it('round-trip any records pushed in any pieces', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 5000 }), (plains, cut) => {
      assert.deepEqual(open(stream(plains), cut), Buffer.concat(plains));
    }), { numRuns: 60 });
  });

  it('carries a record of the largest size', () => {
    const big = new Uint8Array(RECORD_MAX).fill(0x5a);
    assert.deepEqual(open(stream([big, new Uint8Array(0)]), 65536).length, RECORD_MAX);
  });

  it('refuses a record larger than RECORD_MAX when sealing', () => {
    assert.throws(() => new RecordSealer(keys).seal(new Uint8Array(RECORD_MAX + 1), false), RangeError);
  });

  it('hands out no plaintext of a record before its tag is checked', () => {
    const bytes = stream([new Uint8Array(100).fill(1), new Uint8Array(0)]);
    const o = new RecordOpener(keys);
    assert.deepEqual(o.push(bytes.subarray(0, 4 + 100)), []);
    assert.equal(Buffer.concat(o.push(bytes.subarray(4 + 100))).length, 100);
    assert.equal(o.finished, true);
  });

  const bad: { name: string; make: () => Uint8Array; k?: BulkKeys; code: string }[] = [
    { name: 'a flipped ciphertext bit', code: 'E_BULK_AUTH', make: () => { const b = stream([new Uint8Array(50), new Uint8Array(0)]); b[10]! ^= 1; return b; } },
    { name: 'a flipped tag bit', code: 'E_BULK_AUTH', make: () => { const b = stream([new Uint8Array(50), new Uint8Array(0)]); b[4 + 50 + 3]! ^= 1; return b; } },
    { name: 'a final flag set by an attacker', code: 'E_BULK_AUTH', make: () => { const b = stream([new Uint8Array(50), new Uint8Array(0)]); b[0]! |= 0x80; return b.subarray(0, 4 + 50 + 16); } },
    { name: 'a length changed by an attacker', code: 'E_BULK_AUTH', make: () => { const b = stream([new Uint8Array(50), new Uint8Array(0)]); b[3] = 49; return b; } },
    { name: 'records of another key', code: 'E_BULK_AUTH', make: () => stream([new Uint8Array(50), new Uint8Array(0)], deriveBulkKeys(new Uint8Array(32).fill(8), TOKEN)) },
    { name: 'a replayed record', code: 'E_BULK_AUTH', make: () => { const s = new RecordSealer(keys); const r = Buffer.concat(s.seal(new Uint8Array(9), false)); return Buffer.concat([r, r, ...s.seal(new Uint8Array(0), true)]); } },
    { name: 'records out of order', code: 'E_BULK_AUTH', make: () => { const s = new RecordSealer(keys); const a = Buffer.concat(s.seal(new Uint8Array(9), false)); const b = Buffer.concat(s.seal(new Uint8Array(9).fill(1), false)); return Buffer.concat([b, a, ...s.seal(new Uint8Array(0), true)]); } },
    { name: 'a dropped record', code: 'E_BULK_AUTH', make: () => { const s = new RecordSealer(keys); s.seal(new Uint8Array(9), false); return Buffer.concat(s.seal(new Uint8Array(0), true)); } },
    { name: 'a stream cut between records', code: 'E_BULK_TRUNCATED', make: () => Buffer.concat(new RecordSealer(keys).seal(new Uint8Array(9), false)) },
    { name: 'a stream cut inside a record', code: 'E_BULK_TRUNCATED', make: () => stream([new Uint8Array(50)]).subarray(0, 30) },
    { name: 'an empty stream', code: 'E_BULK_TRUNCATED', make: () => new Uint8Array(0) },
    { name: 'a record length over RECORD_MAX', code: 'E_BULK_RECORD', make: () => Uint8Array.from([0x00, 0x10, 0x00, 0x01]) },
    { name: 'bytes after the final record', code: 'E_BULK_TRAILING', make: () => Buffer.concat([stream([new Uint8Array(5)]), Uint8Array.of(0)]) },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      assert.equal(codeOf(() => open(c.make(), 7)), c.code);
    });
  }
});

describe('bulk hello', () => {
  it('proves the key for the token it names', () => {
    const h = encodeHello(TOKEN, keys);
    assert.equal(h.length, BULK_HELLO_BYTES);
    assert.deepEqual(helloToken(h), TOKEN);
    assert.equal(checkHello(h, keys), true);
  });

  it('fails for a hello made with another key', () => {
    const h = encodeHello(TOKEN, deriveBulkKeys(new Uint8Array(32).fill(1), TOKEN));
    assert.equal(checkHello(h, keys), false);
  });

  it('fails for a hello whose token was changed', () => {
    const h = encodeHello(TOKEN, keys);
    h[9]! ^= 1;
    assert.equal(checkHello(h, deriveBulkKeys(KEY, helloToken(h))), false);
  });

  it('rejects bytes that are not a hello', () => {
    assert.equal(codeOf(() => helloToken(new Uint8Array(BULK_HELLO_BYTES))), 'E_BULK_HELLO');
    assert.equal(codeOf(() => helloToken(encodeHello(TOKEN, keys).subarray(1))), 'E_BULK_HELLO');
  });

  it('derives different keys for the two directions and for every token', () => {
    assert.notDeepEqual(keys.hello, keys.records);
    assert.notDeepEqual(deriveBulkKeys(KEY, new Uint8Array(16)).records, keys.records);
  });
});
