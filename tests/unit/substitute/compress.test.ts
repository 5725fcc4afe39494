/**
 * NAR compression for binary caches (src/substitute/compress.ts): every compression tix
 * writes comes back through tix's own decompressor byte for byte, and a missing program
 * fails with the package to install.
 */

import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { CACHE_WRITE_COMPRESSIONS, compressor } from '../../../src/substitute/compress.ts';
import { decompress } from '../../../src/substitute/decompress.ts';

const input = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i} ${i % 7 === 0 ? 'seven' : ''}\n`).join(''));

async function compressAll(c: (typeof CACHE_WRITE_COMPRESSIONS)[number]): Promise<Buffer> {
  const z = compressor(c, 'the test input');
  if (!z) return input;
  const out: Buffer[] = [];
  await Promise.all([pipeline(Readable.from([input]), z.stream, async (chunks: AsyncIterable<Buffer>) => { for await (const b of chunks) out.push(b); }), z.done]);
  return Buffer.concat(out);
}

describe('compressor()', () => {
  for (const c of CACHE_WRITE_COMPRESSIONS) {
    it(`writes ${c} that decompress() reads back byte for byte`, async () => {
      const packed = await compressAll(c);
      if (c !== 'none') assert.ok(packed.length < input.length / 3, `${c} compresses`);
      const back: Uint8Array[] = [];
      for await (const b of decompress(Readable.from([packed]), c, 'the test input')) back.push(b);
      assert.ok(Buffer.concat(back).equals(input));
    });
  }

  it('names the package to install when the program is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(compressAll('xz'), { code: 'E_COMPRESSION', message: /cannot run 'xz' to compress the test input \(install it: Debian package xz-utils\)/ });
    } finally {
      process.env.PATH = path;
    }
  });
});
