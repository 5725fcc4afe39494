import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hashBytes } from '../../../../src/hash/index.ts';
import {
  directoryNode,
  type NarNode,
  narBytes,
  NarWriter,
  narWriterBufferSize,
  regularNode,
  symlinkNode,
  writeNar,
} from '../../../../src/store/index.ts';
import { build, collectBytes, dirNode, fileNode, MAGIC, symlinkPieces } from '../../../support/nar.ts';

async function collect(root: NarNode, options?: ConstructorParameters<typeof NarWriter>[1]): Promise<Uint8Array> {
  return new Uint8Array(await collectBytes(writeNar(root, options)));
}

describe('narBytes()', () => {
  it('gives each call its own bytes, though calls share one output buffer', () => {
    const first = narBytes(regularNode('first'));
    const second = narBytes(regularNode('second, longer'));
    assert.deepEqual(first, build([MAGIC, ...fileNode('first')]));
    assert.deepEqual(second, build([MAGIC, ...fileNode('second, longer')]));
  });

  it('serialises a tree larger than the shared buffer in one piece', () => {
    const big = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
    const tree = (): NarNode => directoryNode({ a: regularNode(big), b: regularNode('b') });
    // With a chunk size given, narBytes writes into a fresh buffer of its own, as it always did.
    const fresh = narBytes(tree(), { chunkSize: 1 << 20 });
    assert.equal(fresh.length, big.length + 472);
    assert.deepEqual(narBytes(tree()), fresh);
  });

  it('serialises a regular file', () => {
    assert.deepEqual(narBytes(regularNode('hello')), build([MAGIC, ...fileNode('hello')]));
  });

  it('marks an executable file', () => {
    assert.deepEqual(narBytes(regularNode('#!', true)), build([MAGIC, ...fileNode('#!', true)]));
  });

  it('serialises a symlink without interpreting its target', () => {
    assert.deepEqual(narBytes(symlinkNode('../../etc/passwd')), build([MAGIC, ...symlinkPieces('../../etc/passwd')]));
  });

  it('sorts directory entries byte-wise, as Nix does', () => {
    const root = directoryNode({ é: regularNode('3'), a: regularNode('2'), B: regularNode('1'), ab: directoryNode({}) });
    const expected = build([
      MAGIC,
      ...dirNode([
        ['B', fileNode('1')],
        ['a', fileNode('2')],
        ['ab', dirNode([])],
        ['é', fileNode('3')],
      ]),
    ]);
    assert.deepEqual(narBytes(root), expected);
  });

  it('keeps non-UTF-8 names as bytes', () => {
    const name = Uint8Array.from([0xff, 0x41]);
    const root = directoryNode([[name, regularNode('')]]);
    assert.deepEqual(narBytes(root), build([MAGIC, ...dirNode([[name, fileNode('')]])]));
  });

  // NAR hashes computed with Nix 2.8: `nix-hash --type sha256 --base32 PATH` on the same trees.
  const vectors: [string, NarNode, string, number][] = [
    ['a file "hello"', regularNode('hello'), '0sg9f58l1jj88w6pdrfdpj5x9b1zrwszk84j81zvby36q9whhhqa', 120],
    ['an empty file', regularNode(''), '0ip26j2h11n1kgkz36rl4akv694yz65hr72q4kv4b3lxcbi65b3p', 112],
    [
      'a directory with a file, an executable and a symlink',
      directoryNode({ B: regularNode('x'), a: regularNode('yy', true), l: symlinkNode('/nix/store') }),
      '105kp7132bq3jji9bf45zdn6d4axv2jbmfiy8np5isg3rj3yki75',
      712,
    ],
  ];
  for (const [what, node, nix32, size] of vectors) {
    it(`gives Nix's NAR hash and size for ${what}`, () => {
      const nar = narBytes(node);
      assert.equal(nar.length, size);
      assert.equal(hashBytes('sha256', nar).nix32, nix32);
    });
  }
});

describe('NarWriter', () => {
  const big = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
  const tree = (): NarNode => directoryNode({ big: regularNode(big), small: regularNode('s'), z: symlinkNode('big') });

  it('gives the same bytes for any chunk size and with a reused buffer, its own or a given one', async () => {
    const reference = narBytes(tree());
    // A given buffer holds whatever its last user left (here 0xaa everywhere); one too small is not used.
    const dirty = new Uint8Array(narWriterBufferSize(64 << 10)).fill(0xaa);
    const small = new Uint8Array(100).fill(0xaa);
    for (const options of [
      { chunkSize: 64 << 10 },
      { chunkSize: 1 << 20 },
      { chunkSize: 64 << 10, reuseBuffer: true },
      { chunkSize: 64 << 10, reuseBuffer: true, buffer: dirty },
      { chunkSize: 64 << 10, reuseBuffer: true, buffer: small },
    ]) {
      assert.deepEqual(await collect(tree(), options), reference);
    }
  });

  it('gathers small files into chunks of about chunkSize bytes', async () => {
    const files: Record<string, NarNode> = {};
    for (let i = 0; i < 300; i++) files[`f${i}`] = regularNode(new Uint8Array(1000));
    const sizes: number[] = [];
    for await (const c of writeNar(directoryNode(files), { chunkSize: 64 << 10 })) sizes.push(c.length);
    assert.ok(sizes.length >= 4 && sizes.length <= 6, `${sizes.length} chunks`);
    for (const n of sizes.slice(0, -1)) assert.ok(n >= 64 << 10 && n <= (64 << 10) + 8192, `chunk of ${n} bytes`);
  });

  it('reads asynchronous contents and passes large chunks through', async () => {
    const chunks = [big.subarray(0, 100_000), big.subarray(100_000, 100_007), big.subarray(100_007)];
    const node: NarNode = {
      type: 'regular',
      executable: false,
      size: big.length,
      async *contents() {
        for (const c of chunks) yield c;
      },
    };
    assert.deepEqual(await collect(node), narBytes(regularNode(big)));
  });

  it('reports the NAR size it emitted', async () => {
    const w = new NarWriter(tree());
    let n = 0;
    for await (const c of w) n += c.length;
    assert.equal(w.size, n);
  });

  const badTrees: [string, () => NarNode, string][] = [
    ['an empty name', () => directoryNode({ '': regularNode('') }), 'E_NAR_NAME'],
    ['a name "."', () => directoryNode({ '.': regularNode('') }), 'E_NAR_NAME'],
    ['a name ".."', () => directoryNode({ '..': regularNode('') }), 'E_NAR_NAME'],
    ['a name with a slash', () => directoryNode({ 'a/b': regularNode('') }), 'E_NAR_NAME'],
    ['a name with NUL', () => directoryNode({ 'a\0': regularNode('') }), 'E_NAR_NAME'],
    ['a 256-byte name', () => directoryNode({ ['n'.repeat(256)]: regularNode('') }), 'E_NAR_NAME'],
    ['two entries with one name', () => directoryNode([['a', regularNode('')], ['a', regularNode('')]]), 'E_NAR_DUPLICATE'],
    ['an empty symlink target', () => symlinkNode(''), 'E_NAR_TARGET'],
    ['a symlink target with NUL', () => symlinkNode('a\0b'), 'E_NAR_TARGET'],
    ['a file shorter than its size', () => ({ type: 'regular', executable: false, size: 5, contents: () => [new Uint8Array(3)] }), 'E_NAR_SIZE_MISMATCH'],
    ['a file longer than its size', () => ({ type: 'regular', executable: false, size: 2, contents: () => [new Uint8Array(3)] }), 'E_NAR_SIZE_MISMATCH'],
    ['a readAll that comes up short', () => ({ type: 'regular', executable: false, size: 4, contents: () => [], readAll: () => 1 }), 'E_NAR_SIZE_MISMATCH'],
  ];
  for (const [what, make, code] of badTrees) {
    it(`refuses ${what} with ${code}`, () => {
      assert.throws(() => narBytes(make()), { code });
    });
  }

  it('refuses a tree nested deeper than the depth limit', () => {
    let node: NarNode = regularNode('');
    for (let i = 0; i < 64; i++) node = directoryNode({ d: node });
    assert.throws(() => narBytes(node), { code: 'E_NAR_TOO_DEEP' });
    assert.doesNotThrow(() => narBytes(node, { limits: { maxDepth: 65 } }));
  });

  it('refuses more objects than maxEntries', () => {
    const root = directoryNode({ a: regularNode(''), b: regularNode('') });
    assert.doesNotThrow(() => narBytes(root, { limits: { maxEntries: 3 } }));
    assert.throws(() => narBytes(root, { limits: { maxEntries: 2 } }), { code: 'E_NAR_TOO_MANY_ENTRIES' });
  });

  it('refuses a file larger than maxFileSize', () => {
    assert.throws(() => narBytes(regularNode('abc'), { limits: { maxFileSize: 2 } }), { code: 'E_NAR_FILE_SIZE' });
  });

  it('names the path inside the tree in its errors', () => {
    assert.throws(() => narBytes(directoryNode({ sub: directoryNode({ x: symlinkNode('') }) }), { rootName: '/src' }), {
      path: '/src/sub/x',
    });
  });
});
