/**
 * The abstract file system tree the NAR writer serialises (Nix: `SourceAccessor` as used by
 * `dumpPath`). The writer knows nothing about where a tree comes from: the filesystem walker
 * (src/store/local/fs-source.ts) and the in-memory constructors below are adapters.
 *
 * Nodes are pulled lazily, in NAR order, so a walker never needs to hold more than the
 * sorted entry names of the directories on the current path.
 */

import { utf8 } from '../../util/bytes.ts';

export type NarNode = NarRegular | NarSymlink | NarDirectory;

/** A regular file of `size` bytes. */
export interface NarRegular {
  readonly type: 'regular';
  readonly executable: boolean;
  readonly size: number;
  /**
   * The contents as chunks that add up to exactly `size` bytes. A chunk need only stay
   * valid until the next one is requested, so a source may reuse one buffer.
   */
  contents(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /**
   * Optional fast path for small files: copy the whole contents into `buf` at `offset`
   * (there are at least `size` bytes of room) and return the number of bytes copied.
   */
  readAll?(buf: Uint8Array, offset: number): number;
}

export interface NarSymlink {
  readonly type: 'symlink';
  /** The target as bytes; never interpreted. */
  readonly target: Uint8Array;
}

export interface NarDirectory {
  readonly type: 'directory';
  /** The entries, in any order: the writer sorts them by name as Nix does. */
  entries(): Iterable<NarEntry>;
}

export interface NarEntry {
  /** The name's bytes (no `/`, no NUL, not `.` or `..`, 1..255 bytes). */
  readonly name: Uint8Array;
  /** The object, resolved only when the writer reaches it. */
  node(): NarNode;
}

/** An in-memory regular file. */
export function regularNode(contents: Uint8Array | string, executable = false): NarRegular {
  const bytes = typeof contents === 'string' ? utf8(contents) : contents;
  return {
    type: 'regular',
    executable,
    size: bytes.length,
    contents: () => [bytes],
    readAll(buf, offset) {
      buf.set(bytes, offset);
      return bytes.length;
    },
  };
}

/** An in-memory symlink. */
export function symlinkNode(target: Uint8Array | string): NarSymlink {
  return { type: 'symlink', target: typeof target === 'string' ? utf8(target) : target };
}

/** An in-memory directory; names given as strings are UTF-8 encoded. */
export function directoryNode(entries: Iterable<readonly [Uint8Array | string, NarNode]> | Readonly<Record<string, NarNode>>): NarDirectory {
  const list: NarEntry[] = [];
  const pairs = Symbol.iterator in entries ? (entries as Iterable<readonly [Uint8Array | string, NarNode]>) : Object.entries(entries);
  for (const [name, node] of pairs) list.push({ name: typeof name === 'string' ? utf8(name) : name, node: () => node });
  return { type: 'directory', entries: () => list };
}
