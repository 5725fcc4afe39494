/**
 * Unpack an archive the way Nix's tarball fetcher does: the format is recognised by its
 * magic bytes (gzip, xz, bzip2 and zstd compressed or plain tar; zip), the tree is extracted
 * into a fresh directory, and a single top-level directory is what the store gets (upstream
 * `dereferenceSingletonDirectory`; Nix 2.8 instead required exactly one top-level entry).
 * `lastModified` is the newest modification time in the archive, as upstream reports it.
 *
 * Extraction uses the system's GNU tar (with xz/bzip2/zstd for those codecs) and unzip.
 */

import { chmodSync, closeSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HostError } from '../../lang/host.ts';
import { run } from './run.ts';

export type ArchiveFormat = 'gzip' | 'xz' | 'bzip2' | 'zstd' | 'zip' | 'tar';

const MAGIC: [ArchiveFormat, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['zip', [0x50, 0x4b, 0x05, 0x06]],
];

/** The archive format of the first bytes of a file (plain tar when nothing else matches). */
export function sniffFormat(head: Uint8Array): ArchiveFormat {
  for (const [fmt, m] of MAGIC) if (m.length <= head.length && m.every((b, i) => head[i] === b)) return fmt;
  return 'tar';
}

const TAR_FLAG: Record<Exclude<ArchiveFormat, 'zip'>, string[]> = { gzip: ['-z'], xz: ['-J'], bzip2: ['-j'], zstd: ['--zstd'], tar: [] };

export interface Unpacked {
  /** The tree to add: the single top-level directory, or the extraction directory itself. */
  readonly root: string;
  /** Newest mtime (seconds) of any entry. */
  readonly lastModified: number;
}

/** Unpack `file` (downloaded from `url`, for messages) into the empty directory `dir`. */
export function unpackArchive(file: string, dir: string, url: string): Unpacked {
  const head = new Uint8Array(8);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const fmt = sniffFormat(head);
  const r =
    fmt === 'zip'
      ? run('unzip', ['-qq', '-o', file, '-d', dir])
      : run('tar', ['-x', '-f', file, '-C', dir, '--no-same-owner', '--no-same-permissions', ...TAR_FLAG[fmt]]);
  if (r.status !== 0) throw new HostError(`failed to unpack '${url}' (${fmt}): ${r.stderr.trim()}`, 'E_FETCH_UNPACK');
  const lastModified = fixAndScan(dir);
  const members = readdirSync(dir);
  const only = members.length === 1 ? join(dir, members[0]!) : undefined;
  const root = only !== undefined && lstatSync(only).isDirectory() ? only : dir;
  return { root, lastModified };
}

/** Make every directory readable and writable by us (so the tree can be read and removed); return the newest mtime below `dir`. */
function fixAndScan(dir: string): number {
  let newest = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      newest = Math.max(newest, Math.floor(st.mtimeMs / 1000));
      if (st.isDirectory()) {
        if ((st.mode & 0o700) !== 0o700) chmodSync(p, st.mode | 0o700);
        stack.push(p);
      } else if (st.isFile() && (st.mode & 0o400) === 0) chmodSync(p, st.mode | 0o400);
    }
  }
  return newest;
}
