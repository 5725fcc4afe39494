/**
 * NAR listings, as `nix nar ls` prints them and binary caches store them in `<hash>.ls`.
 * Nix: `parseNarListing` / `listNarDeep` (libutil/nar-listing.cc) and `MixLs` (nix/ls.cc).
 *
 * JSON layout (key order as Nix 2.8 prints it and upstream documents it):
 *   regular   {"type":"regular","size":N[,"executable":true],"narOffset":N}
 *   symlink   {"type":"symlink","target":"..."}
 *   directory {"type":"directory","entries":{"<name>":<listing>,...}}   (names in NAR order)
 * `narOffset` is where the file's contents start in the NAR. A shallow listing shows a
 * directory's entries as `{}`.
 */

import { InvalidValueError } from '../../errors.ts';
import { fromUtf8 } from '../../util/bytes.ts';
import type { NarSink } from './sink.ts';

export type NarListing = NarListingRegular | NarListingSymlink | NarListingDirectory;

export interface NarListingRegular {
  readonly type: 'regular';
  readonly size: number;
  readonly executable: boolean;
  readonly narOffset: number;
}

export interface NarListingSymlink {
  readonly type: 'symlink';
  readonly target: string;
}

export interface NarListingDirectory {
  readonly type: 'directory';
  /** Entries in NAR (byte-wise sorted) order. */
  readonly entries: Map<string, NarListing>;
}

/** A sink that builds the listing of a NAR (names and targets decoded as UTF-8). */
export class NarListingSink implements NarSink {
  #root: NarListing | undefined;
  readonly #dirs: NarListingDirectory[] = [];

  /** The listing, once the NAR has been parsed. */
  get listing(): NarListing {
    if (!this.#root) throw new InvalidValueError('E_NAR_LISTING', 'the NAR has not been parsed yet');
    return this.#root;
  }

  #add(name: Uint8Array | undefined, node: NarListing): void {
    if (name === undefined) this.#root = node;
    else this.#dirs[this.#dirs.length - 1]!.entries.set(fromUtf8(name), node);
  }

  directory(name: Uint8Array | undefined): void {
    const d: NarListingDirectory = { type: 'directory', entries: new Map() };
    this.#add(name, d);
    this.#dirs.push(d);
  }

  endDirectory(): void {
    this.#dirs.pop();
  }

  regular(name: Uint8Array | undefined, executable: boolean, size: number, offset: number): void {
    this.#add(name, { type: 'regular', size, executable, narOffset: offset });
  }

  contents(): void {}

  endRegular(): void {}

  symlink(name: Uint8Array | undefined, target: Uint8Array): void {
    this.#add(name, { type: 'symlink', target: fromUtf8(target) });
  }
}

/** Look up an absolute path (`/`, `/bin/hello`) inside a listing, without following symlinks. */
export function lookupNarListing(root: NarListing, path: string): NarListing {
  if (!path.startsWith('/')) throw new InvalidValueError('E_NAR_PATH', `not an absolute path: '${path}'`);
  let node = root;
  for (const part of canonicalParts(path)) {
    const next = node.type === 'directory' ? node.entries.get(part) : undefined;
    if (!next) throw new InvalidValueError('E_NAR_PATH', `path '${'/' + canonicalParts(path).join('/')}' does not exist`);
    node = next;
  }
  return node;
}

function canonicalParts(path: string): string[] {
  const out: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out;
}

/** JSON text of a listing; `deep` false shows only the names of a directory's entries. */
export function printNarListingJson(node: NarListing, deep = true): string {
  switch (node.type) {
    case 'regular':
      return `{"type":"regular","size":${node.size}${node.executable ? ',"executable":true' : ''},"narOffset":${node.narOffset}}`;
    case 'symlink':
      return `{"type":"symlink","target":${JSON.stringify(node.target)}}`;
    case 'directory': {
      const parts: string[] = [];
      for (const [name, child] of node.entries) parts.push(`${JSON.stringify(name)}:${deep ? printNarListingJson(child, true) : '{}'}`);
      return `{"type":"directory","entries":{${parts.join(',')}}}`;
    }
  }
}

export interface NarListOptions {
  /** `-R`: list subdirectories recursively. */
  readonly recursive?: boolean;
  /** `-l`: mode, size and symlink target. */
  readonly long?: boolean;
  /** `-d`: show a directory itself rather than its contents. */
  readonly directory?: boolean;
}

/** The lines `nix nar ls` prints for `node` found at `path`. */
export function listNarText(node: NarListing, path: string, options: NarListOptions = {}): string[] {
  const lines: string[] = [];
  const showFile = (n: NarListing, rel: string): void => {
    if (options.long) {
      const mode = n.type === 'regular' ? (n.executable ? '-r-xr-xr-x' : '-r--r--r--') : n.type === 'symlink' ? 'lrwxrwxrwx' : 'dr-xr-xr-x';
      const size = n.type === 'regular' ? n.size : 0;
      lines.push(`${mode} ${String(size).padStart(20)} ${rel}${n.type === 'symlink' ? ` -> ${n.target}` : ''}`);
    } else {
      lines.push(rel);
    }
    if (options.recursive && n.type === 'directory') showPath(n, rel, false);
  };
  const showPath = (n: NarListing, rel: string, showDirectory: boolean): void => {
    if (n.type === 'directory' && !showDirectory) {
      for (const [name, child] of n.entries) showFile(child, `${rel}/${name}`);
    } else {
      showFile(n, rel);
    }
  };
  const parts = canonicalParts(path);
  showPath(node, node.type === 'directory' ? '.' : (parts[parts.length - 1] ?? ''), options.directory ?? false);
  return lines;
}
