/**
 * Test helpers for NARs: an encoder written independently of src/store/nar/wire.ts (so
 * tests do not check the code against itself), an in-memory tree model with a source
 * adapter and a sink that rebuilds it, filesystem helpers, and fast-check arbitraries.
 */

import fc from 'fast-check';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryNode, type NarNode, type NarSink, regularNode, symlinkNode } from '../../src/store/index.ts';
import { concatBytes } from '../../src/util/bytes.ts';

// ---------------------------------------------------------------------------------------
// An independent NAR encoder.

/** Raw bytes, inserted as they are. */
export interface Raw {
  readonly raw: Uint8Array;
}

/** A NAR piece: a string token (length + bytes + zero padding) or raw bytes. */
export type Piece = string | Uint8Array | Raw;

export const raw = (bytes: Uint8Array | number[] | string): Raw => ({
  raw: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : Uint8Array.from(bytes),
});

/** A little-endian u64 as raw bytes (BigInt, so values beyond 2^53 can be written). */
export function u64(n: number | bigint): Raw {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return { raw: b };
}

function tokenBytes(s: string | Uint8Array): Uint8Array {
  const body = typeof s === 'string' ? new TextEncoder().encode(s) : s;
  const padded = Math.ceil(body.length / 8) * 8;
  const out = new Uint8Array(8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

function pieceBytes(p: Piece): Uint8Array {
  return typeof p === 'string' || p instanceof Uint8Array ? tokenBytes(p) : p.raw;
}

/** Concatenate pieces into NAR bytes. */
export function build(pieces: readonly Piece[]): Uint8Array {
  return concatBytes(pieces.map(pieceBytes));
}

/** A byte stream (a NAR dump, a fetched NAR) in one buffer; chunks are copied, so a producer may reuse its buffers. */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Byte offset at which piece `index` starts. */
export function offsetOf(pieces: readonly Piece[], index: number): number {
  return build(pieces.slice(0, index)).length;
}

/** The pieces of a regular file's node, `contents` given as text. */
export function fileNode(contents: string, executable = false): Piece[] {
  const body = new TextEncoder().encode(contents);
  const pad = (8 - (body.length % 8)) % 8;
  return ['(', 'type', 'regular', ...(executable ? ['executable', ''] : []), 'contents', u64(body.length), { raw: body }, { raw: new Uint8Array(pad) }, ')'];
}

export const symlinkPieces = (target: string): Piece[] => ['(', 'type', 'symlink', 'target', target, ')'];

/** The pieces of a directory node with the given (already ordered) entries. */
export function dirNode(entries: readonly [string | Uint8Array, Piece[]][]): Piece[] {
  const out: Piece[] = ['(', 'type', 'directory'];
  for (const [name, node] of entries) out.push('entry', '(', 'name', name, 'node', ...node, ')');
  out.push(')');
  return out;
}

export const MAGIC = 'nix-archive-1';

// ---------------------------------------------------------------------------------------
// In-memory trees.

export type Tree =
  | { readonly type: 'regular'; readonly executable: boolean; readonly contents: Uint8Array }
  | { readonly type: 'symlink'; readonly target: string }
  | { readonly type: 'directory'; readonly entries: ReadonlyMap<string, Tree> };

export const file = (contents: string | Uint8Array, executable = false): Tree => ({
  type: 'regular',
  executable,
  contents: typeof contents === 'string' ? new TextEncoder().encode(contents) : contents,
});
export const link = (target: string): Tree => ({ type: 'symlink', target });
export const dir = (entries: Record<string, Tree> = {}): Tree => ({ type: 'directory', entries: new Map(Object.entries(entries)) });

/** A tree as a NAR source. */
export function treeNode(t: Tree): NarNode {
  switch (t.type) {
    case 'regular':
      return regularNode(t.contents, t.executable);
    case 'symlink':
      return symlinkNode(t.target);
    case 'directory':
      return directoryNode([...t.entries].map(([n, c]) => [n, treeNode(c)] as const));
  }
}

type MutableDir = { type: 'directory'; entries: Map<string, Tree> };
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A sink that rebuilds the tree (names and targets must be valid UTF-8). Also records every event. */
export class TreeSink implements NarSink {
  tree: Tree | undefined;
  readonly events: string[] = [];
  readonly #dirs: MutableDir[] = [];
  #file: { name: Uint8Array | undefined; executable: boolean; parts: Uint8Array[] } | undefined;

  #add(name: Uint8Array | undefined, t: Tree): void {
    if (name === undefined) this.tree = t;
    else this.#dirs[this.#dirs.length - 1]!.entries.set(strictUtf8.decode(name), t);
  }

  directory(name: Uint8Array | undefined): void {
    this.events.push(`directory ${name ? strictUtf8.decode(name) : '<root>'}`);
    const d: MutableDir = { type: 'directory', entries: new Map() };
    this.#add(name, d);
    this.#dirs.push(d);
  }

  endDirectory(): void {
    this.events.push('endDirectory');
    this.#dirs.pop();
  }

  regular(name: Uint8Array | undefined, executable: boolean, size: number, offset: number): void {
    this.events.push(`regular ${name ? strictUtf8.decode(name) : '<root>'} ${executable} ${size} @${offset}`);
    this.#file = { name: name?.slice(), executable, parts: [] };
  }

  contents(chunk: Uint8Array): void {
    this.#file!.parts.push(chunk.slice());
  }

  endRegular(): void {
    this.events.push('endRegular');
    const f = this.#file!;
    this.#add(f.name, { type: 'regular', executable: f.executable, contents: Buffer.concat(f.parts) });
    this.#file = undefined;
  }

  symlink(name: Uint8Array | undefined, target: Uint8Array): void {
    this.events.push(`symlink ${name ? strictUtf8.decode(name) : '<root>'} -> ${strictUtf8.decode(target)}`);
    this.#add(name, { type: 'symlink', target: strictUtf8.decode(target) });
  }
}

/** Plain-object form of a tree for deepEqual (Maps become sorted objects, bytes become hex). */
export function plain(t: Tree): unknown {
  switch (t.type) {
    case 'regular':
      return { type: 'regular', executable: t.executable, contents: Buffer.from(t.contents).toString('hex') };
    case 'symlink':
      return { type: 'symlink', target: t.target };
    case 'directory':
      return {
        type: 'directory',
        entries: [...t.entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map(([n, c]) => [n, plain(c)]),
      };
  }
}

// ---------------------------------------------------------------------------------------
// Trees on the filesystem.

/** Create `t` at `path` (which must not exist). */
export function writeTree(path: string, t: Tree): void {
  switch (t.type) {
    case 'regular':
      writeFileSync(path, t.contents, { mode: t.executable ? 0o755 : 0o644 });
      return;
    case 'symlink':
      symlinkSync(t.target, path);
      return;
    case 'directory':
      mkdirSync(path);
      for (const [n, c] of t.entries) writeTree(join(path, n), c);
  }
}

/** Read the tree at `path` (owner-execute bit as the executable flag, as Nix). */
export function readTree(path: string): Tree {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return link(readlinkSync(path));
  if (st.isDirectory()) return { type: 'directory', entries: new Map(readdirSync(path).map((n) => [n, readTree(join(path, n))])) };
  return { type: 'regular', executable: (st.mode & 0o100) !== 0, contents: new Uint8Array(readFileSync(path)) };
}

// ---------------------------------------------------------------------------------------
// fast-check arbitraries.

const utf8Len = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Valid entry names: ASCII-heavy with some unicode, never `.`/`..`, no `/` or NUL, at most 255 bytes. */
export const nameArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.stringMatching(/^[a-zA-Z0-9._+-]{1,12}$/),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  )
  .filter((s) => s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0') && utf8Len(s) <= 255 && !s.includes('\ufffd'));

const targetArb = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => !s.includes('\0') && !s.includes('\ufffd'));

const contentsArb = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 3000 }) },
);

/** Random trees up to `maxDepth` levels of directories. */
export function treeArb(maxDepth = 4): fc.Arbitrary<Tree> {
  const { tree } = fc.letrec<{ tree: Tree; leaf: Tree; directory: Tree }>((tie) => ({
    leaf: fc.oneof(
      fc.record({ type: fc.constant('regular' as const), executable: fc.boolean(), contents: contentsArb }),
      fc.record({ type: fc.constant('symlink' as const), target: targetArb }),
    ),
    directory: fc
      .uniqueArray(fc.tuple(nameArb, tie('tree')), { maxLength: 5, selector: ([n]) => n })
      .map((es): Tree => ({ type: 'directory', entries: new Map(es) })),
    tree: fc.oneof({ depthSize: 'small', maxDepth, withCrossShrink: true }, tie('leaf'), tie('directory')),
  }));
  return tree;
}
