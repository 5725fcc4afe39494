/**
 * The NAR ("Nix ARchive") wire format: tokens, padding, limits and the format's error.
 * Nix: `dumpPath` / `parseDump` in libutil/archive.cc, `writeString` / `readString` in
 * serialise.cc.
 *
 * Every token is a *string*: its byte length as a little-endian u64, the bytes, then zero
 * bytes up to the next multiple of 8. A file's contents are one such string too, but
 * potentially huge, so they are streamed rather than held.
 *
 *   nar       = str("nix-archive-1") node
 *   node      = str("(") str("type") body str(")")
 *   body      = str("regular") [ str("executable") str("") ] str("contents") contents
 *             | str("symlink") str("target") str(target)
 *             | str("directory") { entry }
 *   entry     = str("entry") str("(") str("name") str(name) str("node") node str(")")
 *   contents  = u64(size) size bytes, zero padding to a multiple of 8
 *
 * Directory entries come in strictly increasing byte-wise order of their names (C++
 * `std::string` comparison), so a name occurs at most once. A name is 1..255 bytes and is
 * not `.` or `..`, and contains neither `/` nor NUL. A symlink target is 1..4095 bytes
 * without NUL; it is data and is never interpreted while reading.
 */

import { FormatError } from '../../errors.ts';
import { utf8 } from '../../util/bytes.ts';

/** The magic string that opens every NAR. Nix: `narVersionMagic1`. */
export const NAR_MAGIC = 'nix-archive-1';

/** Longest entry name, in bytes. Nix: `narMaxName` (a format bound, independent of the host's NAME_MAX). */
export const MAX_NAME_LEN = 255;
/** Longest symlink target, in bytes. Nix: `narMaxTarget` (PATH_MAX - 1 on Linux). */
export const MAX_TARGET_LEN = 4095;
/** Longest keyword token we read; the longest real one is "directory" (9). Nix: `narMaxTag`. */
export const MAX_TAG_LEN = 32;
/**
 * Deepest directory nesting: the root is at depth 0 and no object may sit at depth 64.
 * Nix: `narMaxDepth` (upstream since 2.3x; Nix 2.8 has no bound). It caps the parser's
 * stack and what a restore creates.
 */
export const MAX_DEPTH = 64;

/** Limits a reader or writer enforces; every field has a default in `DEFAULT_NAR_LIMITS`. */
export interface NarLimits {
  /** Largest regular file, in bytes. */
  readonly maxFileSize: number;
  /** Most file system objects (files, directories, symlinks, the root included) in one NAR. */
  readonly maxEntries: number;
  /** Directory nesting bound, as `MAX_DEPTH`. */
  readonly maxDepth: number;
}

/** File sizes are JS numbers: anything above 2^53 - 1 cannot be represented exactly, so it is refused. */
export const DEFAULT_NAR_LIMITS: NarLimits = Object.freeze({
  maxFileSize: Number.MAX_SAFE_INTEGER,
  maxEntries: Number.MAX_SAFE_INTEGER,
  maxDepth: MAX_DEPTH,
});

/** Fill in defaults for the limits a caller did not set. */
export function narLimits(partial: Partial<NarLimits> | undefined): NarLimits {
  return partial ? { ...DEFAULT_NAR_LIMITS, ...partial } : DEFAULT_NAR_LIMITS;
}

/** Bytes of zero padding after a string of `len` bytes. */
export function padLen(len: number): number {
  return (8 - (len & 7)) & 7;
}

/** Total wire size of a string of `len` bytes (length field, bytes, padding). */
export function wireLen(len: number): number {
  return 8 + len + padLen(len);
}

/** Write `n` (< 2^53) as a little-endian u64 at `off`. */
export function putU64(buf: Uint8Array, off: number, n: number): void {
  const lo = n >>> 0;
  const hi = Math.floor(n / 0x100000000);
  buf[off] = lo & 0xff;
  buf[off + 1] = (lo >>> 8) & 0xff;
  buf[off + 2] = (lo >>> 16) & 0xff;
  buf[off + 3] = lo >>> 24;
  buf[off + 4] = hi & 0xff;
  buf[off + 5] = (hi >>> 8) & 0xff;
  buf[off + 6] = (hi >>> 16) & 0xff;
  buf[off + 7] = hi >>> 24;
}

/**
 * Read a little-endian u64 at `off`; values above 2^53 - 1 come back as `Infinity` so that
 * every limit check rejects them.
 */
export function getU64(buf: Uint8Array, off: number): number {
  const lo = (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
  const hi = (buf[off + 4]! | (buf[off + 5]! << 8) | (buf[off + 6]! << 16) | (buf[off + 7]! << 24)) >>> 0;
  if (hi > 0x1fffff) return Infinity;
  return hi * 0x100000000 + lo;
}

/** One string on the wire. */
export function encodeString(s: Uint8Array | string): Uint8Array {
  const b = typeof s === 'string' ? utf8(s) : s;
  const out = new Uint8Array(wireLen(b.length));
  putU64(out, 0, b.length);
  out.set(b, 8);
  return out;
}

/** Several strings on the wire, back to back (for precomputed token runs). */
export function encodeStrings(...ss: string[]): Uint8Array {
  const parts = ss.map((s) => encodeString(s));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The keywords of the grammar, as bytes for comparison. */
export const TOKENS = {
  magic: utf8(NAR_MAGIC),
  open: utf8('('),
  close: utf8(')'),
  type: utf8('type'),
  regular: utf8('regular'),
  directory: utf8('directory'),
  symlink: utf8('symlink'),
  executable: utf8('executable'),
  contents: utf8('contents'),
  target: utf8('target'),
  entry: utf8('entry'),
  name: utf8('name'),
  node: utf8('node'),
} as const;

/** Why `name` cannot be a directory entry, or undefined when it can. Nix: the check in `parse()`. */
export function checkEntryName(name: Uint8Array): string | undefined {
  if (name.length === 0) return 'empty';
  if (name.length > MAX_NAME_LEN) return `longer than ${MAX_NAME_LEN} bytes`;
  if (name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e))) return 'a dot entry';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === 0x2f) return "containing '/'";
    if (c === 0) return 'containing NUL';
  }
  return undefined;
}

/** Why `target` cannot be a symlink target, or undefined when it can. */
export function checkSymlinkTarget(target: Uint8Array): string | undefined {
  if (target.length === 0) return 'empty';
  if (target.length > MAX_TARGET_LEN) return `longer than ${MAX_TARGET_LEN} bytes`;
  if (target.indexOf(0) >= 0) return 'containing NUL';
  return undefined;
}

/** A malformed NAR. `offset` is the byte where the problem starts. Nix: "bad archive: ..." */
export class NarFormatError extends FormatError {
  override readonly name: string = 'NarFormatError';

  constructor(code: string, message: string, offset: number, options: { cause?: unknown } = {}) {
    super(code, message, { offset, whence: 'NAR', cause: options.cause });
  }
}
