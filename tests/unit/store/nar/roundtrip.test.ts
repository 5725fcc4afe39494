import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NarParser, narBytes, nullSink, parseNarBytes, writeNar } from '../../../../src/store/index.ts';
import { plain, treeArb, treeNode, TreeSink } from '../../../support/nar.ts';

describe('NAR write → read', () => {
  it('gives back the tree it was written from', () => {
    fc.assert(
      fc.property(treeArb(), (tree) => {
        const sink = new TreeSink();
        parseNarBytes(narBytes(treeNode(tree)), sink);
        assert.deepEqual(plain(sink.tree!), plain(tree));
      }),
      { numRuns: 300 },
    );
  });

  it('parses the same whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(treeArb(3), fc.array(fc.nat(), { maxLength: 8 }), (tree, cuts) => {
        const nar = narBytes(treeNode(tree));
        const points = [...new Set(cuts.map((c) => c % (nar.length + 1)))].sort((a, b) => a - b);
        const sink = new TreeSink();
        const p = new NarParser(sink);
        let from = 0;
        for (const c of [...points, nar.length]) {
          p.push(nar.subarray(from, c));
          from = c;
        }
        p.end();
        assert.deepEqual(plain(sink.tree!), plain(tree));
      }),
      { numRuns: 200 },
    );
  });

  it('streams the same bytes as it builds in one piece', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb(3), async (tree) => {
        const parts: Uint8Array[] = [];
        for await (const c of writeNar(treeNode(tree), { chunkSize: 64 << 10 })) parts.push(c);
        assert.ok(Buffer.concat(parts).equals(narBytes(treeNode(tree))));
      }),
      { numRuns: 100 },
    );
  });
});

describe('NarParser on corrupted NARs', () => {
  it('throws only NarFormatError, never anything else', () => {
    fc.assert(
      fc.property(treeArb(3), fc.nat(), fc.integer({ min: 1, max: 255 }), (tree, at, xor) => {
        const nar = narBytes(treeNode(tree));
        nar[at % nar.length]! ^= xor;
        try {
          parseNarBytes(nar, nullSink);
        } catch (e) {
          assert.equal((e as Error).name, 'NarFormatError', String(e));
        }
      }),
      { numRuns: 500 },
    );
  });
});
