/**
 * Restores a NAR onto the filesystem: a `NarSink` (src/store/nar/reader.ts) that creates
 * directories, files (with the executable bit) and symlinks. Nix: `RestoreSink` in
 * libutil/fs-sink.cc.
 *
 * It never writes outside the target. The target itself must not exist, so every directory
 * on the way to an object is one this restore created (Node has no `openat`, so the
 * guarantee rests on that), names are checked again here (no `/`, `.`, `..`, NUL) even
 * though the reader already rejects them, and every object is created exclusively
 * (`mkdir`, `O_CREAT|O_EXCL|O_NOFOLLOW`, `symlink` all fail on an existing name instead of
 * following it). Symlink targets are data: they are written as they are and never followed.
 * Keep the target in a directory other users cannot write to.
 *
 * Modes follow Nix: directories 0777 and files 0666 minus the umask; an executable gets
 * the three execute bits added to that mode.
 */

import { closeSync, constants, fstatSync, fchmodSync, futimesSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { InvalidValueError } from '../../errors.ts';
import { checkEntryName } from '../nar/wire.ts';
import type { NarSink } from '../nar/sink.ts';
import type { FsPath } from './fs-source.ts';
import { CANONICAL_MTIME } from './canonicalise.ts';
import { strerror } from './sys-error.ts';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** A restore that cannot proceed (the target exists, or the NAR would leave it). */
export class RestoreError extends InvalidValueError {
  override readonly name: string = 'RestoreError';
  readonly path: string;

  constructor(code: string, message: string, path: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.path = path;
  }
}

function decode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
}

/** The name as a JS string when that string encodes back to exactly these bytes; undefined otherwise. */
function exactString(b: Uint8Array): string | undefined {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  // ASCII (the common case) needs no round-trip check.
  if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  const s = decode(b);
  return Buffer.from(s, 'utf8').equals(b) ? s : undefined;
}

export class FsRestoreSink implements NarSink {
  readonly #target: FsPath;
  /** Paths of the directories being filled, innermost last. */
  readonly #dirs: FsPath[] = [];
  #fd = -1;
  /** The file `#fd` writes, for error messages. */
  #file: FsPath = '';
  /** Mode of an executable, learnt from the first one (the umask does not change during a restore). */
  #execMode = -1;

  /**
   * Create files with a store path's final modes (0444, or 0555 when executable) and
   * timestamp (mtime 1) right away, so that canonicalising the restored tree finds nothing
   * left to change in them: one futimes on the open descriptor instead of a chmod and a
   * utimes by path per file afterwards.
   */
  readonly #canonical: boolean;

  /** `target`: the path to create; it must not exist, its parent must. */
  constructor(target: FsPath, options: { canonical?: boolean } = {}) {
    this.#target = target;
    this.#canonical = options.canonical ?? false;
  }

  #path(name: Uint8Array | undefined): FsPath {
    if (name === undefined) {
      if (this.#dirs.length > 0) throw new RestoreError('E_RESTORE_NAME', 'a NAR entry without a name inside a directory', String(this.#target));
      return this.#target;
    }
    const parent = this.#dirs[this.#dirs.length - 1];
    const why = checkEntryName(name);
    if (why || parent === undefined) {
      throw new RestoreError('E_RESTORE_NAME', `refusing to restore entry '${decode(name)}': ${why ?? 'not inside a directory'}`, String(parent ?? this.#target));
    }
    const nameStr = typeof parent === 'string' ? exactString(name) : undefined;
    if (nameStr !== undefined) return `${parent as string}/${nameStr}`;
    return Buffer.concat([typeof parent === 'string' ? Buffer.from(parent) : parent, Buffer.from('/'), name]);
  }

  /** Run an fs call, turning "exists" at the target into a clear error. */
  #create<T>(path: FsPath, what: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ELOOP') {
        throw new RestoreError('E_RESTORE_EXISTS', `cannot restore to '${String(path)}': path already exists`, String(path), { cause: e });
      }
      throw new RestoreError('E_RESTORE_IO', `${what} '${String(path)}': ${strerror(e as NodeJS.ErrnoException)}`, String(path), { cause: e });
    }
  }

  directory(name: Uint8Array | undefined): void {
    const p = this.#path(name);
    this.#create(p, 'creating directory', () => mkdirSync(p, 0o777));
    this.#dirs.push(p);
  }

  endDirectory(): void {
    this.#dirs.pop();
  }

  regular(name: Uint8Array | undefined, executable: boolean): void {
    const p = this.#path(name);
    if (this.#canonical) {
      // A new file is writable through the descriptor that created it, whatever its mode.
      this.#fd = this.#create(p, 'creating file', () => openSync(p, CREATE_FLAGS, executable ? 0o555 : 0o444));
      this.#file = p;
      return;
    }
    const fd = this.#create(p, 'creating file', () => openSync(p, CREATE_FLAGS, 0o666));
    this.#fd = fd;
    this.#file = p;
    if (executable) {
      // As Nix: add the execute bits to whatever mode the umask left.
      if (this.#execMode < 0) this.#execMode = (fstatSync(fd).mode & 0o7777) | 0o111;
      fchmodSync(fd, this.#execMode);
    }
  }

  contents(chunk: Uint8Array): void {
    let off = 0;
    try {
      while (off < chunk.length) off += writeSync(this.#fd, chunk, off, chunk.length - off);
    } catch (e) {
      // ENOSPC, EDQUOT, EIO: name the file, as Nix's "writing to file" does.
      throw new RestoreError('E_RESTORE_IO', `writing to file '${String(this.#file)}': ${strerror(e as NodeJS.ErrnoException)}`, String(this.#file), { cause: e });
    }
  }

  endRegular(): void {
    if (this.#canonical) {
      try {
        futimesSync(this.#fd, new Date(), CANONICAL_MTIME);
      } catch (e) {
        throw new RestoreError('E_RESTORE_IO', `setting the time of '${String(this.#file)}': ${strerror(e as NodeJS.ErrnoException)}`, String(this.#file), { cause: e });
      }
    }
    closeSync(this.#fd);
    this.#fd = -1;
  }

  symlink(name: Uint8Array | undefined, target: Uint8Array): void {
    const p = this.#path(name);
    const t = Buffer.from(target.buffer, target.byteOffset, target.length);
    this.#create(p, 'creating symlink', () => symlinkSync(t, p));
  }

  /** Close the file being written, if any (after a failed parse). */
  abort(): void {
    if (this.#fd >= 0) {
      try {
        closeSync(this.#fd);
      } catch {
        // already closed
      }
      this.#fd = -1;
    }
  }
}
