/**
 * Synchronous NAR hashing of a filesystem path, with an optional path filter (Nix's
 * `dumpPath(path, filter)` + `hashPath`): what the evaluator needs to compute the store path
 * of `./src`, `builtins.path` and `filterSource` without leaving its synchronous loop.
 * The tree is walked without following symlinks; the filter sees every entry below the
 * root (its absolute path and type), as upstream's does.
 */

import { closeSync, constants, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import type { HashAlgo } from '../hash/algo.ts';
import { Hasher } from '../hash/digest.ts';
import type { Hash } from '../hash/hash.ts';
import type { FileType } from '../lang/host.ts';
import type { NarEntry, NarNode } from '../store/nar/source.ts';
import { NarWriter } from '../store/nar/writer.ts';

/** Paths are latin1 byte strings inside the evaluator; Node's fs wants bytes. */
export function fsPath(p: string): Buffer {
  return Buffer.from(p, 'latin1');
}

const CHUNK = 1 << 20;

function fileNode(path: string, size: number, executable: boolean): NarNode {
  return {
    type: 'regular',
    executable,
    size,
    *contents() {
      const fd = openSync(fsPath(path), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const buf = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)));
        let pos = 0;
        while (pos < size) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
          if (n === 0) break;
          pos += n;
          yield buf.subarray(0, n);
        }
      } finally {
        closeSync(fd);
      }
    },
  };
}

export type PathFilter = (path: string, type: FileType) => boolean;

function node(path: string, filter: PathFilter | undefined): NarNode {
  const st = lstatSync(fsPath(path));
  if (st.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(fsPath(path), { encoding: 'buffer' }) };
  if (st.isFile()) return fileNode(path, st.size, (st.mode & 0o100) !== 0);
  if (st.isDirectory()) {
    return {
      type: 'directory',
      entries(): NarEntry[] {
        const out: NarEntry[] = [];
        for (const d of readdirSync(fsPath(path), { withFileTypes: true, encoding: 'buffer' })) {
          const name = d.name.toString('latin1');
          const child = path === '/' ? '/' + name : path + '/' + name;
          if (filter) {
            const t: FileType = d.isDirectory() ? 'directory' : d.isSymbolicLink() ? 'symlink' : d.isFile() ? 'regular' : 'unknown';
            if (!filter(child, t)) continue;
          }
          out.push({ name: d.name, node: () => node(child, filter) });
        }
        return out;
      },
    };
  }
  throw new Error(`file '${path}' has an unsupported type`);
}

/** The NAR of `path` (filtered) as fresh chunks, produced synchronously. */
export function* narChunksSync(path: string, filter?: PathFilter): Generator<Uint8Array> {
  const w = new NarWriter(node(path, filter), { rootName: path });
  for (;;) {
    const c = w.next();
    if (c instanceof Promise) throw new Error('tix: asynchronous NAR source in a synchronous dump');
    if (c === undefined) return;
    yield c;
  }
}

/** The NAR hash of `path` (filtered), computed synchronously. */
export function hashPathSync(path: string, algo: HashAlgo = 'sha256', filter?: PathFilter): { hash: Hash; narSize: number } {
  const w = new NarWriter(node(path, filter), { reuseBuffer: true, rootName: path });
  const h = new Hasher(algo);
  let size = 0;
  for (;;) {
    const c = w.next();
    if (c instanceof Promise) throw new Error('tix: asynchronous NAR source in a synchronous hash');
    if (c === undefined) break;
    size += c.length;
    h.update(c);
  }
  return { hash: h.digest(), narSize: size };
}
