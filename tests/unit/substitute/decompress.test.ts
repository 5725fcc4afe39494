/**
 * decompress(): a compressed NAR whose download fails part way (a connection reset) must
 * fail the reader with that error for every zlib format, not leave it waiting or the error
 * unhandled; a complete download decompresses to the original bytes.
 */

import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { brotliCompressSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { decompress } from '../../../src/substitute/decompress.ts';

const original = Buffer.alloc(256 * 1024, 'nar bytes ');
const formats: [string, Uint8Array][] = [
  ['zstd', zstdCompressSync(original)],
  ['gzip', gzipSync(original)],
  ['br', brotliCompressSync(original)],
];

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

describe('decompress()', () => {
  for (const [compression, bytes] of formats) {
    it(`decompresses a complete ${compression} download`, async () => {
      assert.deepEqual(await collect(decompress(Readable.from([bytes]), compression, 'test')), original);
    });

    it(`fails with the download's error when a ${compression} download breaks off`, async () => {
      const input = new Readable({ read() {} });
      input.push(bytes.subarray(0, 16));
      setImmediate(() => input.destroy(new Error('connection reset')));
      await assert.rejects(collect(decompress(input, compression, 'test')), { message: 'connection reset' });
    });
  }
});
