import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compressHash } from '../../../src/hash/compress.ts';
import { hashBytes, storePathHashPart } from '../../../src/hash/digest.ts';
import { Hash } from '../../../src/hash/hash.ts';
import { encodeNix32 } from '../../../src/hash/nix32.ts';
import { StorePath } from '../../../src/store/store-path.ts';

describe('storePathHashPart()', () => {
  it('is the nix32 of the sha256 folded to 20 bytes, for any string (hashed as UTF-8)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        assert.equal(storePathHashPart(s), encodeNix32(compressHash(hashBytes('sha256', s).bytes, 20)));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the hash part of a store path Nix made', () => {
    // nix-store --add of a file "hello" holding "hello\n" gave /nix/store/gwina1sjk7g95wq6fxc6b7s1hza53h74-hello;
    // its NAR hash (nix-hash --type sha256) is 1c37d01a…
    const nar = '1c37d01af40be2e80691de3cc3df44377a699afbb17c68f080964b2fd071fc13';
    assert.equal(storePathHashPart(`source:sha256:${nar}:/nix/store:hello`), 'gwina1sjk7g95wq6fxc6b7s1hza53h74');
  });
});

describe('Hash.base16', () => {
  it('prints the same after the first print (it is kept)', () => {
    const h = hashBytes('sha256', 'x');
    const first = h.base16;
    assert.equal(h.base16, first);
    assert.equal(h.toString('base16', true), 'sha256:' + first);
    assert.equal(first, Buffer.from(h.bytes).toString('hex'));
  });

  it('leaves deep equality to the bytes', () => {
    const a = hashBytes('sha256', 'x');
    void a.base16;
    assert.deepEqual(a, new Hash('sha256', new Uint8Array(a.bytes)));
    assert.notDeepEqual(a, hashBytes('sha256', 'y'));
  });
});

describe('StorePath.fromHashPart()', () => {
  it('makes the same store path as the validating constructor', () => {
    const p = StorePath.fromHashPart('xijc5nm0y4rim4s5jsb24l4xvvkjxzlq', 'hello');
    assert.deepEqual(p, new StorePath('xijc5nm0y4rim4s5jsb24l4xvvkjxzlq-hello'));
    assert.equal(p.baseName, 'xijc5nm0y4rim4s5jsb24l4xvvkjxzlq-hello');
  });

  it('still rejects an invalid name or a hash part of the wrong length', () => {
    assert.throws(() => StorePath.fromHashPart('xijc5nm0y4rim4s5jsb24l4xvvkjxzlq', 'a b'), /illegal character/);
    assert.throws(() => StorePath.fromHashPart('xijc5nm0', 'hello'), /store path/);
  });
});
