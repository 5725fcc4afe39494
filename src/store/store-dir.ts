/**
 * The store directory and the pure functions that make store paths in it.
 * Nix: `StoreDirConfig` (parse/print/make*Path, "pure methods"). The grammar hashed for a
 * path is `<type>:sha256:<base16 inner hash>:<store dir>:<name>`, compressed to 20 bytes.
 */

import { hashBytes, storePathHashPart } from '../hash/digest.ts';
import { Hash } from '../hash/hash.ts';
import type { ContentAddressMethod } from './content-address.ts';
import { compareStorePaths, outputPathName, StorePath, StorePathError } from './store-path.ts';

export const DEFAULT_STORE_DIR = '/nix/store';

export class StoreDir {
  /** The logical store directory, without a trailing slash. */
  readonly dir: string;

  constructor(dir: string = DEFAULT_STORE_DIR) {
    if (!dir.startsWith('/') || (dir.length > 1 && dir.endsWith('/'))) {
      throw new StorePathError(`store directory '${dir}' must be an absolute path without a trailing slash`);
    }
    this.dir = dir;
  }

  /** Parse an absolute path directly inside the store. Nix: `parseStorePath` (the path is canonicalised first). */
  parsePath(path: string): StorePath {
    if (path === '') throw new StorePathError('empty path is not a valid store path');
    const canon = canonPath(path);
    const slash = canon.lastIndexOf('/');
    const parent = slash <= 0 ? '/' : canon.slice(0, slash);
    if (parent !== this.dir) throw new StorePathError(`path '${canon}' is not in the Nix store`);
    return new StorePath(canon.slice(slash + 1));
  }

  /** `parsePath` returning undefined on failure. Nix: `maybeParseStorePath`. */
  tryParsePath(path: string): StorePath | undefined {
    try {
      return this.parsePath(path);
    } catch {
      return undefined;
    }
  }

  isStorePath(path: string): boolean {
    return this.tryParsePath(path) !== undefined;
  }

  /**
   * The store path a path inside the store belongs to, e.g. `/nix/store/x-foo/bin/sh` →
   * `x-foo`. Nix: `toStorePath`.
   */
  parsePathWithin(path: string): { storePath: StorePath; rest: string } {
    const prefix = this.dir + '/';
    if (!path.startsWith(prefix)) throw new StorePathError(`path '${path}' is not in the Nix store`);
    const slash = path.indexOf('/', prefix.length);
    const base = slash < 0 ? path.slice(prefix.length) : path.slice(prefix.length, slash);
    return { storePath: new StorePath(base), rest: slash < 0 ? '' : path.slice(slash) };
  }

  printPath(p: StorePath): string {
    return `${this.dir}/${p.baseName}`;
  }

  /** Nix: `makeStorePath(type, hash, name)` where `hash` is printed `sha256:<base16>`. */
  makeStorePath(type: string, hash: Hash, name: string): StorePath {
    return StorePath.fromHashPart(storePathHashPart(type + ':' + hash.algo + ':' + hash.base16 + ':' + this.dir + ':' + name), name);
  }

  /** Append references (absolute, sorted) and `:self` to a path type. Nix: `makeType`. */
  makeType(type: string, references: Iterable<StorePath> = [], self = false): string {
    const refs = [...references].sort(compareStorePaths);
    let t = type;
    for (const r of refs) t += ':' + this.printPath(r);
    if (self) t += ':self';
    return t;
  }

  /** Path of an output of an input-addressed derivation. Nix: `makeOutputPath`. */
  makeOutputPath(output: string, hash: Hash, drvName: string): StorePath {
    return this.makeStorePath(`output:${output}`, hash, outputPathName(drvName, output));
  }

  /** A `text` path (derivations, `builtins.toFile`): sha256 of the contents plus references. Nix: `makeTextPath`. */
  makeTextPath(name: string, hash: Hash, references: Iterable<StorePath> = []): StorePath {
    if (hash.algo !== 'sha256') throw new StorePathError(`text paths need a sha256 hash, not ${hash.algo}`);
    return this.makeStorePath(this.makeType('text', references), hash, name);
  }

  /**
   * A content-addressed path of a file or tree. Recursive sha256 is a `source` path and may
   * have references; everything else hashes a `fixed:out:` descriptor and may not.
   * Nix: `makeFixedOutputPath`.
   */
  makeFixedOutputPath(name: string, method: 'flat' | 'nar', hash: Hash, references: Iterable<StorePath> = [], self = false): StorePath {
    if (hash.algo === 'sha256' && method === 'nar') {
      return this.makeStorePath(this.makeType('source', references, self), hash, name);
    }
    const refs = [...references];
    if (refs.length > 0 || self) {
      throw new StorePathError(`fixed output derivation '${name}' is not allowed to refer to other store paths.`);
    }
    const payload = `fixed:out:${method === 'nar' ? 'r:' : ''}${hash.toString('base16', true)}:`;
    return this.makeStorePath('output:out', hashBytes('sha256', payload), name);
  }

  /** Any content-addressed path, text included. Nix: `makeFixedOutputPathFromCA`. */
  makePathFromCA(name: string, method: ContentAddressMethod, hash: Hash, references: Iterable<StorePath> = [], self = false): StorePath {
    if (method === 'text') return this.makeTextPath(name, hash, references);
    return this.makeFixedOutputPath(name, method, hash, references, self);
  }
}

/** Collapse `//`, `.` and `..` in an absolute path without touching the filesystem. Nix: `canonPath`. */
export function canonPath(path: string): string {
  if (!path.startsWith('/')) throw new StorePathError(`not an absolute path: '${path}'`);
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}
