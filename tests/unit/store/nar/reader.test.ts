import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NarParser, nullSink, parseNar, parseNarBytes, type NarLimits } from '../../../../src/store/index.ts';
import { build, dirNode, fileNode, MAGIC, type Piece, raw, symlinkPieces, TreeSink, u64 } from '../../../support/nar.ts';

/** Marks where a malformed case's error must be reported: the offset of the piece after it. */
const HERE = Symbol('here');
type Marked = Piece | typeof HERE;

interface BadCase {
  readonly name: string;
  readonly pieces: readonly Marked[];
  readonly code: string;
  /** Bytes past the HERE mark (e.g. into a token's padding); 'end' for the end of input. */
  readonly delta?: number | 'end';
  readonly limits?: Partial<NarLimits>;
}

function materialise(c: BadCase): { bytes: Uint8Array; offset: number } {
  const i = c.pieces.indexOf(HERE);
  const plainPieces = c.pieces.filter((p): p is Piece => p !== HERE);
  const bytes = build(plainPieces);
  if (c.delta === 'end') return { bytes, offset: bytes.length };
  assert.ok(i >= 0, `case '${c.name}' has no HERE mark`);
  return { bytes, offset: build(plainPieces.slice(0, i)).length + (c.delta ?? 0) };
}

const file = fileNode('hi');
/** A token whose first padding byte is 1 instead of 0. */
const badPad = (s: string): Piece => {
  const b = build([s]);
  b[8 + s.length] = 1;
  return raw(b);
};
const entry = (name: string | Uint8Array, node: Piece[]): Piece[] => ['entry', '(', 'name', name, 'node', ...node, ')'];
const inDir = (...parts: Marked[]): Marked[] => [MAGIC, '(', 'type', 'directory', ...parts, ')'];

// One case per violation; each is parsed into a null sink.
const cases: BadCase[] = [
  { name: 'wrong magic', pieces: [HERE, 'nix-archive-2', ...file], code: 'E_NAR_MAGIC' },
  { name: 'a magic that is too long', pieces: [HERE, 'nix-archive-1-and-more-and-more', ...file], code: 'E_NAR_MAGIC' },
  { name: 'empty input', pieces: [HERE], code: 'E_NAR_MAGIC' },
  { name: 'a node not opened by "("', pieces: [MAGIC, HERE, '[', 'type', 'regular'], code: 'E_NAR_TOKEN' },
  { name: '"kind" for "type"', pieces: [MAGIC, '(', HERE, 'kind', 'regular'], code: 'E_NAR_TOKEN' },
  { name: 'an unknown file type', pieces: [MAGIC, '(', 'type', HERE, 'fifo', ')'], code: 'E_NAR_TYPE' },
  { name: 'a regular file without "contents"', pieces: [MAGIC, '(', 'type', 'regular', HERE, 'size', u64(0)], code: 'E_NAR_TOKEN' },
  { name: 'an executable marker with a value', pieces: [MAGIC, '(', 'type', 'regular', 'executable', HERE, 'yes', 'contents', u64(0), ')'], code: 'E_NAR_TOKEN' },
  { name: 'an executable marker not followed by "contents"', pieces: [MAGIC, '(', 'type', 'regular', 'executable', '', HERE, 'executable', ''], code: 'E_NAR_TOKEN' },
  { name: 'a file node not closed by ")"', pieces: [MAGIC, '(', 'type', 'regular', 'contents', u64(0), HERE, '('], code: 'E_NAR_TOKEN' },
  { name: 'a symlink without "target"', pieces: [MAGIC, '(', 'type', 'symlink', HERE, 'to', 'x', ')'], code: 'E_NAR_TOKEN' },
  { name: 'an empty symlink target', pieces: [MAGIC, '(', 'type', 'symlink', 'target', HERE, '', ')'], code: 'E_NAR_TARGET' },
  { name: 'a symlink target with NUL', pieces: [MAGIC, '(', 'type', 'symlink', 'target', HERE, 'a\0b', ')'], code: 'E_NAR_TARGET' },
  { name: 'a symlink target of 4096 bytes', pieces: [MAGIC, '(', 'type', 'symlink', 'target', HERE, 'x'.repeat(4096), ')'], code: 'E_NAR_TOO_LONG' },
  { name: '"entries" for "entry"', pieces: inDir(HERE, 'entries'), code: 'E_NAR_TOKEN' },
  { name: 'an entry not opened by "("', pieces: inDir('entry', HERE, 'name'), code: 'E_NAR_TOKEN' },
  { name: 'an entry without "name"', pieces: inDir('entry', '(', HERE, 'node'), code: 'E_NAR_TOKEN' },
  { name: 'an entry without "node"', pieces: inDir('entry', '(', 'name', 'a', HERE, 'nod', ...file), code: 'E_NAR_TOKEN' },
  { name: 'an entry not closed by ")"', pieces: inDir('entry', '(', 'name', 'a', 'node', ...file, HERE, 'entry'), code: 'E_NAR_TOKEN' },
  { name: 'unsorted entries', pieces: inDir(...entry('b', file), 'entry', '(', 'name', HERE, 'a', 'node', ...file, ')'), code: 'E_NAR_UNSORTED' },
  { name: 'entries sorted by code point but not by byte', pieces: inDir(...entry('b', file), 'entry', '(', 'name', HERE, 'B', 'node', ...file, ')'), code: 'E_NAR_UNSORTED' },
  { name: 'duplicate entries', pieces: inDir(...entry('a', file), 'entry', '(', 'name', HERE, 'a', 'node', ...file, ')'), code: 'E_NAR_DUPLICATE' },
  { name: 'an empty name', pieces: inDir('entry', '(', 'name', HERE, '', 'node', ...file, ')'), code: 'E_NAR_NAME' },
  { name: 'the name "."', pieces: inDir('entry', '(', 'name', HERE, '.', 'node', ...file, ')'), code: 'E_NAR_NAME' },
  { name: 'the name ".."', pieces: inDir('entry', '(', 'name', HERE, '..', 'node', ...file, ')'), code: 'E_NAR_NAME' },
  { name: 'a name with "/"', pieces: inDir('entry', '(', 'name', HERE, '../../etc', 'node', ...file, ')'), code: 'E_NAR_NAME' },
  { name: 'a name with NUL', pieces: inDir('entry', '(', 'name', HERE, 'a\0', 'node', ...file, ')'), code: 'E_NAR_NAME' },
  { name: 'a name of 256 bytes', pieces: inDir('entry', '(', 'name', HERE, 'n'.repeat(256), 'node', ...file, ')'), code: 'E_NAR_TOO_LONG' },
  { name: 'a keyword of 33 bytes', pieces: [MAGIC, HERE, 'k'.repeat(33)], code: 'E_NAR_TOO_LONG' },
  { name: 'a string length of 2^63', pieces: [MAGIC, HERE, u64(2n ** 63n), raw('(')], code: 'E_NAR_TOO_LONG' },
  { name: 'non-zero padding in a keyword', pieces: [MAGIC, HERE, badPad('('), 'type', 'regular'], code: 'E_NAR_PADDING', delta: 9 },
  { name: 'non-zero padding in a name', pieces: inDir('entry', '(', 'name', HERE, badPad('abc'), 'node', ...file, ')'), code: 'E_NAR_PADDING', delta: 11 },
  {
    name: 'non-zero padding after the contents',
    pieces: [MAGIC, '(', 'type', 'regular', 'contents', u64(3), raw('abc'), HERE, raw([0, 0, 7, 0, 0]), ')'],
    code: 'E_NAR_PADDING',
    delta: 2,
  },
  { name: 'truncation inside a length field', pieces: [MAGIC, raw([1, 0, 0])], code: 'E_NAR_TRUNCATED', delta: 'end' },
  { name: 'truncation inside a keyword', pieces: [MAGIC, '(', raw([4, 0, 0, 0, 0, 0, 0, 0, 0x74, 0x79])], code: 'E_NAR_TRUNCATED', delta: 'end' },
  { name: 'truncation inside the contents', pieces: [MAGIC, '(', 'type', 'regular', 'contents', u64(10), raw('abc')], code: 'E_NAR_TRUNCATED', delta: 'end' },
  { name: 'truncation inside the padding', pieces: [MAGIC, '(', 'type', 'regular', 'contents', u64(3), raw('abc'), raw([0, 0])], code: 'E_NAR_TRUNCATED', delta: 'end' },
  { name: 'a missing final ")"', pieces: inDir(...entry('a', file)).slice(0, -1), code: 'E_NAR_TRUNCATED', delta: 'end' },
  { name: 'trailing data', pieces: [MAGIC, ...file, HERE, raw(new Uint8Array(8))], code: 'E_NAR_TRAILING' },
  { name: 'a second NAR after the first', pieces: [MAGIC, ...file, HERE, MAGIC, ...file], code: 'E_NAR_TRAILING' },
  { name: 'a file size of 2^64 - 1', pieces: [MAGIC, '(', 'type', 'regular', 'contents', HERE, u64(2n ** 64n - 1n)], code: 'E_NAR_FILE_SIZE' },
  { name: 'a file larger than maxFileSize', pieces: [MAGIC, '(', 'type', 'regular', 'contents', HERE, u64(3), raw('abc\0\0\0\0\0'), ')'], code: 'E_NAR_FILE_SIZE', limits: { maxFileSize: 2 } },
  {
    name: 'nesting beyond maxDepth',
    pieces: inDir('entry', '(', 'name', 'a', 'node', '(', 'type', 'directory', 'entry', '(', 'name', 'b', 'node', HERE, ...file, ')', ')', ')'),
    code: 'E_NAR_TOO_DEEP',
    limits: { maxDepth: 2 },
  },
  {
    name: 'more objects than maxEntries',
    pieces: inDir(...entry('a', file), 'entry', '(', 'name', 'b', 'node', '(', 'type', HERE, 'regular', 'contents', u64(0), ')', ')'),
    code: 'E_NAR_TOO_MANY_ENTRIES',
    limits: { maxEntries: 2 },
  },
];

function parseIn(bytes: Uint8Array, chunk: number, limits?: Partial<NarLimits>): void {
  const p = new NarParser(nullSink, { limits });
  for (let i = 0; i < bytes.length; i += chunk) p.push(bytes.subarray(i, i + chunk));
  p.end();
}

describe('NarParser on malformed input', () => {
  for (const c of cases) {
    it(`rejects ${c.name} with ${c.code} at the right offset`, () => {
      const { bytes, offset } = materialise(c);
      // Whole, byte by byte, and in odd-sized chunks: the same code and offset every time.
      for (const chunk of [bytes.length || 1, 1, 3, 13]) {
        assert.throws(() => parseIn(bytes, chunk, c.limits), (e: unknown) => {
          assert.equal((e as { code?: string }).code, c.code, `chunk ${chunk}: ${(e as Error).message}`);
          assert.equal((e as { offset?: number }).offset, offset, `chunk ${chunk}: ${(e as Error).message}`);
          assert.equal((e as Error).name, 'NarFormatError');
          return true;
        });
      }
    });
  }
});

describe('NarParser on well-formed input', () => {
  const pieces: Piece[] = [
    MAGIC,
    ...dirNode([
      ['a', fileNode('hello')],
      ['b', dirNode([['x', fileNode('#!/bin/sh\n', true)]])],
      ['c', symlinkPieces('/nix/store')],
      ['e', fileNode('')],
    ]),
  ];
  const nar = build(pieces);
  // Contents start right after the size that follows each "contents" keyword.
  const at = pieces.flatMap((p, i) => (p === 'contents' ? [build(pieces.slice(0, i + 2)).length] : []));
  const expectedEvents = [
    'directory <root>',
    `regular a false 5 @${at[0]}`,
    'endRegular',
    'directory b',
    `regular x true 10 @${at[1]}`,
    'endRegular',
    'endDirectory',
    'symlink c -> /nix/store',
    `regular e false 0 @${at[2]}`,
    'endRegular',
    'endDirectory',
  ];

  it('reports objects in order with the offset of each file contents', () => {
    const sink = new TreeSink();
    assert.equal(parseNarBytes(nar, sink), nar.length);
    assert.deepEqual(sink.events, expectedEvents);
  });

  it('gives the same events for every split of the input into two chunks', () => {
    for (let cut = 0; cut <= nar.length; cut++) {
      const sink = new TreeSink();
      const p = new NarParser(sink);
      p.push(nar.subarray(0, cut));
      p.push(nar.subarray(cut));
      p.end();
      assert.deepEqual(sink.events, expectedEvents, `cut at ${cut}`);
    }
  });

  it('passes file contents as views of the input, whatever the chunking', async () => {
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const bytes = build([MAGIC, '(', 'type', 'regular', 'contents', u64(big.length), raw(big), ')']);
    const chunks = [bytes.subarray(0, 70), bytes.subarray(70, 50_000), bytes.subarray(50_000)];
    const sink = new TreeSink();
    assert.equal(await parseNar(chunks, sink), bytes.length);
    assert.deepEqual(sink.tree, { type: 'regular', executable: false, contents: Buffer.from(big) });
  });

  it('accepts empty chunks', () => {
    const p = new NarParser(nullSink);
    p.push(new Uint8Array(0));
    p.push(nar);
    p.push(new Uint8Array(0));
    p.end();
    assert.ok(p.done);
  });

  it('with allowTrailing, stops at the end of the NAR and says how much it used', () => {
    const p = new NarParser(nullSink, { allowTrailing: true });
    const withTail = build([...pieces, 'more']);
    assert.equal(p.push(withTail), nar.length);
    assert.ok(p.done);
  });

  it('accepts a NAR nested exactly to maxDepth', () => {
    const nested = build([MAGIC, ...dirNode([['a', dirNode([['b', fileNode('x')]])]])]);
    assert.doesNotThrow(() => parseIn(nested, nested.length, { maxDepth: 3 }));
  });
});
