/**
 * Streaming NAR writer: serialises a `NarNode` tree (source.ts) in Nix's format (wire.ts),
 * in constant memory. Nix: `SourceAccessor::dumpPath` in libutil/archive.cc.
 *
 * The writer is pull-based: `next()` returns the next chunk, or `undefined` at the end,
 * synchronously when every file's contents are synchronous and as a Promise only when
 * it has to wait for an asynchronous source. Framing and small files are gathered into
 * one buffer of `chunkSize` bytes, so a hasher sees few large updates; large content
 * chunks from the source are passed through without copying.
 */

import { InvalidValueError } from '../../errors.ts';
import { concatBytes, fromUtf8 } from '../../util/bytes.ts';
import type { NarDirectory, NarEntry, NarNode, NarRegular } from './source.ts';
import { checkEntryName, checkSymlinkTarget, encodeStrings, type NarLimits, narLimits, padLen, putU64 } from './wire.ts';

export interface NarWriterOptions {
  readonly limits?: Partial<NarLimits>;
  /** Target size of the emitted chunks; default 1 MiB, at least 64 KiB. */
  readonly chunkSize?: number;
  /** How error messages name the root of the tree (e.g. its filesystem path); default ''. */
  readonly rootName?: string;
  /**
   * Reuse one output buffer. Each chunk is then valid only until the next `next()` call,
   * which suits a consumer that hashes or writes synchronously. Default false.
   */
  readonly reuseBuffer?: boolean;
  /**
   * With `reuseBuffer`: the buffer to reuse, of at least `narWriterBufferSize(chunkSize)`
   * bytes, so that a caller serialising many small trees (hashing build outputs) need not
   * allocate a fresh megabyte for each.
   */
  readonly buffer?: Uint8Array;
}

/** Size of the writer's output buffer for `chunkSize`. */
export function narWriterBufferSize(chunkSize: number = DEFAULT_CHUNK_SIZE): number {
  return Math.max(MIN_CHUNK_SIZE, chunkSize) + SLACK;
}

/** Something wrong with the tree being serialised (not with a NAR). `path` is inside the tree. */
export class NarWriteError extends InvalidValueError {
  override readonly name: string = 'NarWriteError';
  readonly path: string;

  constructor(code: string, message: string, path: string) {
    super(code, message);
    this.path = path;
  }
}

export const DEFAULT_CHUNK_SIZE = 1 << 20;
const MIN_CHUNK_SIZE = 64 << 10;
/** Room past `chunkSize` for one structural step (an entry header holds at most a 255-byte name, a symlink 4095 bytes). */
const SLACK = 8192;
/** Content chunks at least this large are emitted as they are rather than copied. */
const PASS_THROUGH = 64 << 10;

const MAGIC = encodeStrings('nix-archive-1');
const REGULAR = encodeStrings('(', 'type', 'regular', 'contents');
const EXECUTABLE = encodeStrings('(', 'type', 'regular', 'executable', '', 'contents');
const SYMLINK = encodeStrings('(', 'type', 'symlink', 'target');
const DIRECTORY = encodeStrings('(', 'type', 'directory');
const ENTRY = encodeStrings('entry', '(', 'name');
const NODE = encodeStrings('node');
const CLOSE = encodeStrings(')');

interface DirFrame {
  readonly entries: NarEntry[];
  /** Index of the next entry; the one before it is being written. */
  index: number;
}

interface ContentState {
  readonly iter: Iterator<Uint8Array> | AsyncIterator<Uint8Array>;
  readonly size: number;
  remaining: number;
  /** Part of the current source chunk not yet copied into the buffer. */
  rest: Uint8Array | undefined;
}

type Step = Uint8Array | undefined;

export class NarWriter {
  readonly #limits: NarLimits;
  readonly #chunkSize: number;
  readonly #reuse: boolean;
  #buf: Uint8Array;
  #pos = 0;
  /** Chunks ready to hand out, in order (a flushed buffer, then a passed-through chunk). */
  readonly #out: Uint8Array[] = [];
  readonly #stack: DirFrame[] = [];
  #root: NarNode | undefined;
  readonly #rootName: string;
  #content: ContentState | undefined;
  /** A small file waiting for room in the buffer for its `readAll`. */
  #pendingRead: NarRegular | undefined;
  #done = false;
  #objects = 0;
  /** Bytes emitted so far (the NAR size once `next()` has returned undefined). */
  #size = 0;

  constructor(root: NarNode, options: NarWriterOptions = {}) {
    this.#limits = narLimits(options.limits);
    this.#chunkSize = Math.max(MIN_CHUNK_SIZE, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    this.#reuse = options.reuseBuffer ?? false;
    const given = this.#reuse ? options.buffer : undefined;
    this.#buf = given && given.length >= this.#chunkSize + SLACK ? given : new Uint8Array(this.#chunkSize + SLACK);
    this.#root = root;
    this.#rootName = options.rootName ?? '';
  }

  /** Total bytes emitted so far. */
  get size(): number {
    return this.#size;
  }

  /** The next chunk, or undefined when the NAR is complete. */
  next(): Step | Promise<Step> {
    for (;;) {
      const ready = this.#out.shift();
      if (ready) {
        this.#size += ready.length;
        return ready;
      }
      if (this.#pos >= this.#chunkSize) {
        this.#flush();
        continue;
      }
      if (this.#pendingRead) {
        this.#readSmall();
        continue;
      }
      const c = this.#content;
      if (c) {
        if (c.rest) {
          this.#copyRest(c);
          continue;
        }
        const r = c.iter.next();
        if (r instanceof Promise) return r.then((res) => (this.#takeContent(c, res), this.next()));
        this.#takeContent(c, r);
        continue;
      }
      if (this.#done) {
        if (this.#pos > 0) {
          this.#flush();
          continue;
        }
        return undefined;
      }
      this.#step();
    }
  }

  /** Iterate asynchronously (works for every source). Stopping early closes the file being read. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for (;;) {
        let c = this.next();
        if (c instanceof Promise) c = await c;
        if (c === undefined) return;
        yield c;
      }
    } finally {
      await this.close();
    }
  }

  /** Release the source of the file being read, if any (after an error or when stopping early). */
  async close(): Promise<void> {
    const c = this.#content;
    this.#content = undefined;
    this.#done = true;
    this.#out.length = 0;
    this.#pos = 0;
    await c?.iter.return?.();
  }

  #flush(): void {
    this.#out.push(this.#buf.subarray(0, this.#pos));
    if (!this.#reuse) this.#buf = new Uint8Array(this.#chunkSize + SLACK);
    this.#pos = 0;
  }

  #put(bytes: Uint8Array): void {
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** A string token: length, bytes, zero padding. */
  #putString(bytes: Uint8Array): void {
    this.#putU64(bytes.length);
    this.#put(bytes);
    this.#putPadding(bytes.length);
  }

  #putU64(n: number): void {
    putU64(this.#buf, this.#pos, n);
    this.#pos += 8;
  }

  #putPadding(len: number): void {
    const p = padLen(len);
    if (p) {
      this.#buf.fill(0, this.#pos, this.#pos + p);
      this.#pos += p;
    }
  }

  /** One structural step: the start, or the next entry (or the end) of the innermost directory. */
  #step(): void {
    const root = this.#root;
    if (root) {
      this.#root = undefined;
      this.#put(MAGIC);
      this.#visit(root, 0);
      return;
    }
    const frame = this.#stack[this.#stack.length - 1]!;
    if (frame.index < frame.entries.length) {
      const e = frame.entries[frame.index++]!;
      this.#put(ENTRY);
      this.#putString(e.name);
      this.#put(NODE);
      this.#visit(e.node(), this.#stack.length);
      return;
    }
    this.#put(CLOSE);
    this.#stack.pop();
    this.#afterNode();
  }

  /** Path of the object being written, for messages: built from the stack only when needed. */
  #path(): string {
    let p = this.#rootName;
    for (const f of this.#stack) p += '/' + fromUtf8(f.entries[f.index - 1]!.name);
    return p;
  }

  #error(code: string, message: (path: string) => string): NarWriteError {
    const path = this.#path();
    return new NarWriteError(code, message(path), path);
  }

  #visit(node: NarNode, depth: number): void {
    if (depth >= this.#limits.maxDepth) {
      throw this.#error('E_NAR_TOO_DEEP', (p) => `path '${p}' exceeds maximum NAR directory depth of ${this.#limits.maxDepth}`);
    }
    if (++this.#objects > this.#limits.maxEntries) {
      throw this.#error('E_NAR_TOO_MANY_ENTRIES', () => `tree has more than ${this.#limits.maxEntries} file system objects`);
    }
    switch (node.type) {
      case 'regular':
        return this.#visitRegular(node);
      case 'symlink': {
        const why = checkSymlinkTarget(node.target);
        if (why) throw this.#error('E_NAR_TARGET', (p) => `symlink '${p}' has an invalid target: ${why}`);
        this.#put(SYMLINK);
        this.#putString(node.target);
        this.#put(CLOSE);
        return this.#afterNode();
      }
      case 'directory':
        return this.#visitDirectory(node);
      default:
        throw this.#error('E_NAR_TYPE', (p) => `file '${p}' has an unsupported type`);
    }
  }

  #visitRegular(node: NarRegular): void {
    if (!(node.size >= 0 && node.size <= this.#limits.maxFileSize && Number.isSafeInteger(node.size))) {
      throw this.#error('E_NAR_FILE_SIZE', (p) => `file '${p}' is too large (${node.size} bytes, limit ${this.#limits.maxFileSize})`);
    }
    this.#put(node.executable ? EXECUTABLE : REGULAR);
    this.#putU64(node.size);
    if (node.readAll && node.size <= this.#chunkSize) {
      this.#pendingRead = node;
      return;
    }
    const src = node.contents();
    const iter = Symbol.asyncIterator in src ? src[Symbol.asyncIterator]() : src[Symbol.iterator]();
    this.#content = { iter, size: node.size, remaining: node.size, rest: undefined };
  }

  #readSmall(): void {
    const node = this.#pendingRead!;
    if (this.#pos + node.size > this.#buf.length) {
      this.#flush();
      return;
    }
    this.#pendingRead = undefined;
    // Even an empty file is opened, so that an unreadable one fails as it does in Nix.
    const n = node.readAll!(this.#buf, this.#pos);
    if (n !== node.size) throw this.#sizeChanged(node.size, n);
    this.#pos += n;
    this.#endRegular(node.size);
  }

  #takeContent(c: ContentState, r: IteratorResult<Uint8Array>): void {
    if (r.done) {
      if (c.remaining !== 0) throw this.#sizeChanged(c.size, c.size - c.remaining);
      this.#content = undefined;
      this.#endRegular(c.size);
      return;
    }
    const chunk = r.value;
    if (chunk.length > c.remaining) throw this.#sizeChanged(c.size, c.size - c.remaining + chunk.length);
    c.remaining -= chunk.length;
    if (chunk.length >= PASS_THROUGH) {
      if (this.#pos > 0) this.#flush();
      this.#out.push(chunk);
    } else if (chunk.length > 0) {
      c.rest = chunk;
      this.#copyRest(c);
    }
  }

  /** Copy what fits of the pending source chunk; a full buffer is flushed by `next()`. */
  #copyRest(c: ContentState): void {
    const rest = c.rest!;
    const n = Math.min(rest.length, this.#chunkSize - this.#pos);
    this.#buf.set(n === rest.length ? rest : rest.subarray(0, n), this.#pos);
    this.#pos += n;
    c.rest = n === rest.length ? undefined : rest.subarray(n);
  }

  #endRegular(size: number): void {
    this.#putPadding(size);
    this.#put(CLOSE);
    this.#afterNode();
  }

  #visitDirectory(node: NarDirectory): void {
    const entries = [...node.entries()];
    for (const e of entries) {
      const why = checkEntryName(e.name);
      if (why) throw this.#error('E_NAR_NAME', (p) => `directory '${p || '/'}' has an invalid entry name '${fromUtf8(e.name)}': ${why}`);
    }
    // A comparison sort compares every pair that ends up adjacent, so equal names are seen here.
    let duplicate: Uint8Array | undefined;
    entries.sort((a, b) => {
      const c = Buffer.compare(a.name, b.name);
      if (c === 0) duplicate = a.name;
      return c;
    });
    if (duplicate) throw this.#error('E_NAR_DUPLICATE', (p) => `directory '${p || '/'}' has two entries named '${fromUtf8(duplicate!)}'`);
    this.#put(DIRECTORY);
    this.#stack.push({ entries, index: 0 });
  }

  #sizeChanged(expected: number, got: number): NarWriteError {
    return this.#error('E_NAR_SIZE_MISMATCH', (p) => `file '${p}' changed size while being archived (expected ${expected} bytes, got ${got})`);
  }

  /** A node is complete: close the entry that holds it, or finish the NAR at the root. */
  #afterNode(): void {
    if (this.#stack.length === 0) this.#done = true;
    else this.#put(CLOSE);
  }
}


/** The NAR of `root` as an async iterable of chunks. */
export function writeNar(root: NarNode, options?: NarWriterOptions): AsyncIterable<Uint8Array> {
  return new NarWriter(root, options);
}

/**
 * narBytes's output buffer, reused from call to call: it serialises one tree at a time,
 * synchronously, copying each chunk out before asking for the next. A fresh megabyte per
 * call cost more than everything else of adding a small `.drv` to the store (instantiating
 * 10,000 derivations zero-filled and collected 10 GB).
 */
let shared: Uint8Array | undefined;
let sharedBusy = false;

/** The NAR of a tree whose contents are all synchronous, as one byte array (for small trees and tests). */
export function narBytes(root: NarNode, options?: NarWriterOptions): Uint8Array {
  // A content callback that itself calls narBytes gets a buffer of its own.
  const reuse = !sharedBusy && options?.chunkSize === undefined && options?.buffer === undefined;
  const w = reuse
    ? new NarWriter(root, { ...options, reuseBuffer: true, buffer: (shared ??= new Uint8Array(narWriterBufferSize())) })
    : new NarWriter(root, { ...options, reuseBuffer: false });
  const parts: Uint8Array[] = [];
  if (reuse) sharedBusy = true;
  try {
    for (;;) {
      const c = w.next();
      if (c instanceof Promise) throw new InvalidValueError('E_NAR_ASYNC', 'narBytes() needs a tree with synchronous contents; use writeNar()');
      if (c === undefined) break;
      parts.push(reuse ? c.slice() : c);
    }
  } finally {
    if (reuse) sharedBusy = false;
  }
  return reuse && parts.length === 1 ? parts[0]! : concatBytes(parts);
}
