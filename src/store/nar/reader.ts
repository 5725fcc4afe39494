/**
 * Streaming NAR reader: parses a NAR fed in chunks of any size and reports the objects to a
 * `NarSink`, in constant memory (file contents are passed on as views of the input, never
 * gathered). Nix: `parseDump` in libutil/archive.cc, with the grammar in wire.ts.
 *
 * Every malformation is a `NarFormatError` with a stable code and the byte offset where
 * the offending token (or byte) starts:
 *
 *   E_NAR_MAGIC        the input does not start with the NAR magic
 *   E_NAR_TOKEN        a keyword other than the grammar allows here (or a non-empty executable marker)
 *   E_NAR_TYPE         an unknown file type
 *   E_NAR_NAME         an entry name that is empty, `.`, `..`, or contains `/` or NUL
 *   E_NAR_UNSORTED     an entry name not greater than the previous one
 *   E_NAR_DUPLICATE    an entry name equal to the previous one
 *   E_NAR_TARGET       a symlink target that is empty or contains NUL
 *   E_NAR_PADDING      a padding byte that is not zero
 *   E_NAR_TOO_LONG     a string longer than its limit (keyword 32, name 255, target 4095)
 *   E_NAR_FILE_SIZE    a file larger than `limits.maxFileSize`
 *   E_NAR_TOO_MANY_ENTRIES, E_NAR_TOO_DEEP   beyond `limits.maxEntries` / `limits.maxDepth`
 *   E_NAR_TRUNCATED    the input ends inside the NAR
 *   E_NAR_TRAILING     bytes after the end of the NAR (unless `allowTrailing`)
 */

import { fromUtf8 } from '../../util/bytes.ts';
import type { NarSink } from './sink.ts';
import { type NarLimits, MAX_NAME_LEN, MAX_TAG_LEN, MAX_TARGET_LEN, NarFormatError, TOKENS, checkEntryName, getU64, narLimits, padLen } from './wire.ts';

export interface NarReaderOptions {
  readonly limits?: Partial<NarLimits>;
  /** Stop at the end of the NAR and leave later bytes to the caller (`push` returns how many it used). */
  readonly allowTrailing?: boolean;
}

// What the parser expects next. Each state but CONTENTS and the raw reads consumes one string token.
const S_MAGIC = 0;
const S_OPEN = 1; // "(" opening a node
const S_TYPE_KW = 2;
const S_TYPE = 3;
const S_REG_TAG = 4; // "executable" or "contents"
const S_EXEC_VALUE = 5;
const S_CONTENTS_KW = 6;
const S_SIZE = 7; // raw u64
const S_CONTENTS = 8; // raw bytes
const S_CONTENTS_PAD = 9; // raw zero bytes
const S_TARGET_KW = 10;
const S_TARGET = 11;
const S_CLOSE = 12; // ")" closing a regular file or symlink node
const S_DIR_TAG = 13; // "entry" or ")"
const S_ENTRY_OPEN = 14;
const S_NAME_KW = 15;
const S_NAME = 16;
const S_NODE_KW = 17;
const S_ENTRY_CLOSE = 18;
const S_DONE = 19;

const EXPECTED: Record<number, string> = {
  [S_OPEN]: "'('",
  [S_TYPE_KW]: "'type'",
  [S_REG_TAG]: "'executable' or 'contents'",
  [S_CONTENTS_KW]: "'contents'",
  [S_TARGET_KW]: "'target'",
  [S_CLOSE]: "')'",
  [S_DIR_TAG]: "'entry' or ')'",
  [S_ENTRY_OPEN]: "'('",
  [S_NAME_KW]: "'name'",
  [S_NODE_KW]: "'node'",
  [S_ENTRY_CLOSE]: "')'",
};

/** Longest string a state accepts. */
function maxLenFor(state: number): number {
  if (state === S_MAGIC) return TOKENS.magic.length;
  if (state === S_NAME) return MAX_NAME_LEN;
  if (state === S_TARGET) return MAX_TARGET_LEN;
  if (state === S_EXEC_VALUE) return 0;
  return MAX_TAG_LEN;
}

interface Frame {
  /** The previous entry name, for the order check. */
  readonly prev: Uint8Array;
  prevLen: number;
}

/** True when the `len` bytes at `buf[at]` equal `want`. */
function eqAt(buf: Uint8Array, at: number, len: number, want: Uint8Array): boolean {
  if (len !== want.length) return false;
  for (let i = 0; i < len; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

/** Byte-wise comparison of `name` with the first `prevLen` bytes of `prev` (C++ std::string order). */
function compareWithPrev(name: Uint8Array, prev: Uint8Array, prevLen: number): number {
  const n = Math.min(name.length, prevLen);
  for (let i = 0; i < n; i++) {
    const d = name[i]! - prev[i]!;
    if (d !== 0) return d;
  }
  return name.length - prevLen;
}

function show(b: Uint8Array): string {
  return fromUtf8(b).replace(/[\0-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Push parser. Feed chunks with `push`, then call `end`. */
export class NarParser {
  readonly #sink: NarSink;
  readonly #limits: NarLimits;
  readonly #allowTrailing: boolean;
  #state = S_MAGIC;
  /** Absolute offset of the next unread byte. */
  #offset = 0;
  /** Where the current token (or raw read) started. */
  #tokStart = 0;
  /** Carry buffer for a token split across chunks: 8-byte length, then bytes and padding. */
  readonly #tok = new Uint8Array(8 + MAX_TARGET_LEN + 8);
  #tokHave = 0;
  /** Bytes the current token needs in total (8 until its length is known). */
  #tokNeed = 8;
  readonly #frames: Frame[] = [];
  /** Name of the entry whose node is being read (a view of its frame's `prev`). */
  #pendingName: Uint8Array | undefined;
  #executable = false;
  #remaining = 0;
  #fileSize = 0;
  #objects = 0;

  constructor(sink: NarSink, options: NarReaderOptions = {}) {
    this.#sink = sink;
    this.#limits = narLimits(options.limits);
    this.#allowTrailing = options.allowTrailing ?? false;
  }

  /** True once the whole NAR has been read. */
  get done(): boolean {
    return this.#state === S_DONE;
  }

  /** Bytes of NAR consumed so far (the NAR size once `done`). */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Parse the next chunk. Returns the number of bytes of it that belong to the NAR, which
   * is less than its length only with `allowTrailing` once the NAR has ended.
   */
  push(chunk: Uint8Array): number {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const state = this.#state;
      if (state === S_CONTENTS) {
        const k = Math.min(this.#remaining, n - i);
        this.#sink.contents(chunk.subarray(i, i + k));
        i += k;
        this.#offset += k;
        this.#remaining -= k;
        if (this.#remaining === 0) this.#afterContents();
        continue;
      }
      if (state === S_DONE) {
        if (this.#allowTrailing) return i;
        throw new NarFormatError('E_NAR_TRAILING', 'bad archive: trailing data after the end of the NAR', this.#offset);
      }
      if (this.#tokHave === 0) {
        // Fast path: the whole token lies in this chunk, so it is read in place.
        this.#tokStart = this.#offset;
        const raw = this.#rawLen(state);
        if (raw >= 0) {
          if (n - i < raw) {
            this.#startCarry(raw);
            i = this.#continueCarry(chunk, i);
            continue;
          }
          this.#raw(chunk, i, raw);
          i += raw;
          continue;
        }
        if (n - i >= 8) {
          const len = this.#checkLen(getU64(chunk, i));
          const total = 8 + len + padLen(len);
          if (n - i >= total) {
            this.#offset += total;
            this.#checkPadding(chunk, i + 8 + len, i + total, this.#tokStart + 8 + len);
            this.#token(chunk, i + 8, len);
            i += total;
            continue;
          }
        }
        this.#startCarry(8);
        i = this.#continueCarry(chunk, i);
        continue;
      }
      i = this.#continueCarry(chunk, i);
    }
    return n;
  }

  /** The input is complete: anything but a finished NAR is truncated. */
  end(): void {
    if (this.#state === S_DONE) return;
    if (this.#state === S_MAGIC) throw new NarFormatError('E_NAR_MAGIC', "bad archive: input doesn't look like a Nix archive", 0);
    throw new NarFormatError('E_NAR_TRUNCATED', 'bad archive: unexpected end of input', this.#offset);
  }

  /** Raw reads (the file size and the content padding) have a fixed length; -1 for a string token. */
  #rawLen(state: number): number {
    if (state === S_SIZE) return 8;
    if (state === S_CONTENTS_PAD) return padLen(this.#fileSize);
    return -1;
  }

  /** Begin gathering a token of (at first) `need` bytes in the carry buffer. */
  #startCarry(need: number): void {
    this.#tokStart = this.#offset;
    this.#tokHave = 0;
    this.#tokNeed = need;
  }

  /** Copy bytes into the carry buffer until the current token is complete; returns the new index. */
  #continueCarry(chunk: Uint8Array, i: number): number {
    const take = Math.min(this.#tokNeed - this.#tokHave, chunk.length - i);
    for (let k = 0; k < take; k++) this.#tok[this.#tokHave + k] = chunk[i + k]!;
    this.#tokHave += take;
    this.#offset += take;
    i += take;
    if (this.#tokHave < this.#tokNeed) return i;
    const raw = this.#rawLen(this.#state);
    if (raw >= 0) {
      this.#tokHave = 0;
      this.#raw(this.#tok, 0, raw);
      return i;
    }
    if (this.#tokNeed === 8) {
      // The length is known now; gather the bytes and padding.
      const len = this.#checkLen(getU64(this.#tok, 0));
      this.#tokNeed = 8 + len + padLen(len);
      if (this.#tokNeed > 8) return i;
    }
    const len = getU64(this.#tok, 0);
    this.#tokHave = 0;
    this.#checkPadding(this.#tok, 8 + len, this.#tokNeed, this.#tokStart + 8 + len);
    this.#token(this.#tok, 8, len);
    return i;
  }

  #checkLen(len: number): number {
    const max = maxLenFor(this.#state);
    if (len <= max) return len;
    if (this.#state === S_MAGIC) throw new NarFormatError('E_NAR_MAGIC', "bad archive: input doesn't look like a Nix archive", 0);
    if (this.#state === S_EXEC_VALUE) throw new NarFormatError('E_NAR_TOKEN', 'bad archive: executable marker has non-empty value', this.#tokStart);
    const what = this.#state === S_NAME ? 'entry name' : this.#state === S_TARGET ? 'symlink target' : 'keyword';
    throw new NarFormatError('E_NAR_TOO_LONG', `bad archive: ${what} of ${len} bytes is longer than the limit of ${max}`, this.#tokStart);
  }

  #checkPadding(buf: Uint8Array, from: number, to: number, at: number): void {
    for (let j = from; j < to; j++) {
      if (buf[j] !== 0) throw new NarFormatError('E_NAR_PADDING', 'bad archive: non-zero padding', at + (j - from));
    }
  }

  /** A complete raw read of `len` bytes at `buf[at]`: the file size or the padding after the contents. */
  #raw(buf: Uint8Array, at: number, len: number): void {
    const start = this.#tokStart;
    if (this.#state === S_CONTENTS_PAD) {
      this.#offset = start + len;
      this.#checkPadding(buf, at, at + len, start);
      this.#sink.endRegular();
      this.#state = S_CLOSE;
      return;
    }
    this.#offset = start + 8;
    const size = getU64(buf, at);
    if (size > this.#limits.maxFileSize) {
      throw new NarFormatError('E_NAR_FILE_SIZE', `bad archive: file of ${size} bytes exceeds the limit of ${this.#limits.maxFileSize}`, start);
    }
    this.#fileSize = size;
    this.#remaining = size;
    this.#sink.regular(this.#pendingName, this.#executable, size, this.#offset);
    if (size === 0) this.#afterContents();
    else this.#state = S_CONTENTS;
  }

  #afterContents(): void {
    if (padLen(this.#fileSize) === 0) {
      this.#sink.endRegular();
      this.#state = S_CLOSE;
    } else {
      this.#state = S_CONTENTS_PAD;
    }
  }

  #unexpected(buf: Uint8Array, at: number, len: number): NarFormatError {
    return new NarFormatError('E_NAR_TOKEN', `bad archive: expected tag ${EXPECTED[this.#state]}, got '${show(buf.subarray(at, at + len))}'`, this.#tokStart);
  }

  #expect(buf: Uint8Array, at: number, len: number, want: Uint8Array, next: number): void {
    if (!eqAt(buf, at, len, want)) throw this.#unexpected(buf, at, len);
    this.#state = next;
  }

  /**
   * A complete string token of `len` bytes at `buf[at]`. Tokens are compared in place:
   * a view is made only for what the sink receives (a name or a target).
   */
  #token(buf: Uint8Array, at: number, len: number): void {
    switch (this.#state) {
      case S_MAGIC:
        if (!eqAt(buf, at, len, TOKENS.magic)) throw new NarFormatError('E_NAR_MAGIC', "bad archive: input doesn't look like a Nix archive", 0);
        this.#state = S_OPEN;
        return;
      case S_OPEN: {
        const depth = this.#frames.length;
        if (depth >= this.#limits.maxDepth) {
          throw new NarFormatError('E_NAR_TOO_DEEP', `bad archive: NAR directory nesting exceeds maximum depth of ${this.#limits.maxDepth}`, this.#tokStart);
        }
        return this.#expect(buf, at, len, TOKENS.open, S_TYPE_KW);
      }
      case S_TYPE_KW:
        return this.#expect(buf, at, len, TOKENS.type, S_TYPE);
      case S_TYPE:
        return this.#type(buf, at, len);
      case S_REG_TAG:
        if (eqAt(buf, at, len, TOKENS.executable)) {
          this.#executable = true;
          this.#state = S_EXEC_VALUE;
          return;
        }
        return this.#expect(buf, at, len, TOKENS.contents, S_SIZE);
      case S_EXEC_VALUE:
        this.#state = S_CONTENTS_KW; // its length was checked to be 0
        return;
      case S_CONTENTS_KW:
        return this.#expect(buf, at, len, TOKENS.contents, S_SIZE);
      case S_TARGET_KW:
        return this.#expect(buf, at, len, TOKENS.target, S_TARGET);
      case S_TARGET: {
        const target = buf.subarray(at, at + len);
        if (len === 0 || target.indexOf(0) >= 0) {
          throw new NarFormatError('E_NAR_TARGET', 'bad archive: NAR contains invalid symlink target', this.#tokStart);
        }
        this.#sink.symlink(this.#pendingName, target);
        this.#state = S_CLOSE;
        return;
      }
      case S_CLOSE:
        this.#expect(buf, at, len, TOKENS.close, S_CLOSE);
        return this.#afterNode();
      case S_DIR_TAG:
        if (eqAt(buf, at, len, TOKENS.entry)) {
          this.#state = S_ENTRY_OPEN;
          return;
        }
        if (!eqAt(buf, at, len, TOKENS.close)) throw this.#unexpected(buf, at, len);
        this.#frames.pop();
        this.#sink.endDirectory();
        return this.#afterNode();
      case S_ENTRY_OPEN:
        return this.#expect(buf, at, len, TOKENS.open, S_NAME_KW);
      case S_NAME_KW:
        return this.#expect(buf, at, len, TOKENS.name, S_NAME);
      case S_NAME:
        return this.#name(buf, at, len);
      case S_NODE_KW:
        return this.#expect(buf, at, len, TOKENS.node, S_OPEN);
      case S_ENTRY_CLOSE:
        return this.#expect(buf, at, len, TOKENS.close, S_DIR_TAG);
    }
  }

  #type(buf: Uint8Array, at: number, len: number): void {
    if (++this.#objects > this.#limits.maxEntries) {
      throw new NarFormatError('E_NAR_TOO_MANY_ENTRIES', `bad archive: more than ${this.#limits.maxEntries} file system objects`, this.#tokStart);
    }
    if (eqAt(buf, at, len, TOKENS.regular)) {
      this.#executable = false;
      this.#state = S_REG_TAG;
    } else if (eqAt(buf, at, len, TOKENS.symlink)) {
      this.#state = S_TARGET_KW;
    } else if (eqAt(buf, at, len, TOKENS.directory)) {
      this.#sink.directory(this.#pendingName);
      this.#frames.push({ prev: new Uint8Array(MAX_NAME_LEN), prevLen: -1 });
      this.#state = S_DIR_TAG;
    } else {
      throw new NarFormatError('E_NAR_TYPE', `bad archive: unknown file type '${show(buf.subarray(at, at + len))}'`, this.#tokStart);
    }
  }

  #name(buf: Uint8Array, at: number, len: number): void {
    const name = buf.subarray(at, at + len);
    const why = checkEntryName(name);
    if (why) throw new NarFormatError('E_NAR_NAME', `bad archive: NAR contains invalid file name '${show(name)}' (${why})`, this.#tokStart);
    const f = this.#frames[this.#frames.length - 1]!;
    if (f.prevLen >= 0) {
      const c = compareWithPrev(name, f.prev, f.prevLen);
      if (c === 0) throw new NarFormatError('E_NAR_DUPLICATE', `bad archive: NAR directory has a duplicate entry '${show(name)}'`, this.#tokStart);
      if (c < 0) throw new NarFormatError('E_NAR_UNSORTED', `bad archive: NAR directory is not sorted ('${show(name)}' after '${show(f.prev.subarray(0, f.prevLen))}')`, this.#tokStart);
    }
    f.prev.set(name);
    f.prevLen = len;
    this.#pendingName = f.prev.subarray(0, len);
    this.#state = S_NODE_KW;
  }

  /** A node is complete: back to its directory's entry list, or the end of the NAR. */
  #afterNode(): void {
    this.#pendingName = undefined;
    this.#state = this.#frames.length === 0 ? S_DONE : S_ENTRY_CLOSE;
  }
}

/** Parse a whole NAR from chunks into `sink`; resolves to the NAR size. */
export async function parseNar(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  sink: NarSink,
  options?: Omit<NarReaderOptions, 'allowTrailing'>,
): Promise<number> {
  const p = new NarParser(sink, options);
  for await (const chunk of source) p.push(chunk);
  p.end();
  return p.offset;
}

/** Parse a NAR held in memory. */
export function parseNarBytes(bytes: Uint8Array, sink: NarSink, options?: Omit<NarReaderOptions, 'allowTrailing'>): number {
  const p = new NarParser(sink, options);
  p.push(bytes);
  p.end();
  return p.offset;
}
