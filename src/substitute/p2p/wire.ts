/**
 * The tix peer protocols' frame codec (pure: bytes in, messages out).
 *
 * Every tix protocol stream is a sequence of length-prefixed frames:
 *
 *     frame   = uvarint(n) body          ; 1 <= n <= the protocol's frame cap
 *     body    = type:u8 payload          ; payload layout fixed by the type
 *     digest  = 20 bytes                 ; a store path's hash part, nix32-decoded
 *     u16/u32/u64 are big-endian
 *
 * Protocols (the version is in the id; a peer that does not speak a version fails the
 * multistream negotiation instead of misreading frames):
 *
 *     /tix/narinfo/1.0.0    C: narinfo-request(digest+)        S: narinfo(text)* end | error
 *     /tix/nar/1.0.0        C: nar-request(digest, accept)     S: nar-header nar-data* nar-end | error
 *     /tix/inventory/1.0.0  C: inventory-subscribe             S: inventory-filter (inventory-delta)*
 *     /tix/bulk/1.0.0       C: bulk-request(digest)            S: bulk-offer | error
 *                           (then the NAR goes over the offered TCP channel: bulk-records.ts;
 *                           the server closes this stream once that transfer is over)
 *                           C: have-request(id, digest+)       S: have-response(id, bitmap) | error
 *
 * Payloads:
 *
 *     narinfo-request     digest{1..MAX_PATHS_PER_REQUEST}
 *     narinfo             UTF-8 narinfo text as the serving store signs it
 *     end                 u32 count of narinfo frames sent
 *     error               u16 code, UTF-8 message
 *     nar-request         digest, u8 flags (bit 0: the client accepts zstd)
 *     nar-header          u8 compression (0 none, 1 zstd), u64 narSize (uncompressed)
 *     nar-data            1.. bytes of the (possibly compressed) NAR
 *     nar-end             u64 bytes of NAR sent before compression
 *     inventory-subscribe empty
 *     inventory-filter    u64 seq, u32 count, u8 hashes, u32 bits, bit array (ceil(bits/8) bytes)
 *     inventory-delta     u64 seq, u32 added, u32 removed, digest{added}, digest{removed}
 *     have-request        u32 id, digest{1..MAX_PATHS_PER_REQUEST}
 *     have-response       u32 id, u32 count, bitmap (ceil(count/8) bytes, bit i = LSB-first)
 *     bulk-request        digest
 *     bulk-offer          u64 narSize, u16 port, token:16, key:32
 *
 * Decoding errors are `WireError`s carrying the byte offset in the stream; the stream
 * readers (frame-stream.ts) add the peer.
 */

import { FormatError } from '../../errors.ts';
import { decodeNix32, encodeNix32 } from '../../hash/nix32.ts';
import { fromUtf8, utf8 } from '../../util/bytes.ts';

export const PROTOCOL_NARINFO = '/tix/narinfo/1.0.0';
export const PROTOCOL_NAR = '/tix/nar/1.0.0';
export const PROTOCOL_INVENTORY = '/tix/inventory/1.0.0';
export const PROTOCOL_BULK = '/tix/bulk/1.0.0';

/** Bytes of a store path digest (the 32-char hash part decodes to 20 bytes). */
export const DIGEST_BYTES = 20;
/** Paths in one narinfo or have request: a large closure (~4,000 paths) fits in one round trip. */
export const MAX_PATHS_PER_REQUEST = 8192;
/** Largest narinfo text: CppNix sets no limit; 256 KiB holds ~4,000 references, far above real paths. */
export const MAX_NARINFO_BYTES = 256 * 1024;
/** Largest nar-data frame: four yamux messages (64 KiB each); bigger frames only add latency. */
export const MAX_NAR_CHUNK_BYTES = 256 * 1024;
/** Largest inventory filter: 16 MiB holds ~8 M paths at 16 bits per path. */
export const MAX_FILTER_BYTES = 16 * 1024 * 1024;
/** Largest delta: MAX_PATHS_PER_REQUEST digests each side. */
export const MAX_DELTA_PATHS = MAX_PATHS_PER_REQUEST;
/** Longest error message a peer may send. */
export const MAX_ERROR_MESSAGE_BYTES = 1024;
/** A uvarint longer than this cannot describe an allowed frame. */
const MAX_VARINT_BYTES = 5;

/** Frame caps per protocol: the largest body either side may send. */
export const FRAME_CAP = {
  narinfo: 1 + Math.max(MAX_NARINFO_BYTES, MAX_PATHS_PER_REQUEST * DIGEST_BYTES),
  nar: 1 + MAX_NAR_CHUNK_BYTES,
  inventory: 1 + 17 + MAX_FILTER_BYTES,
  bulk: 1 + 8 + 2 + 16 + 32,
} as const;

export const FRAME_TYPE = {
  'narinfo-request': 0x01,
  narinfo: 0x02,
  end: 0x03,
  error: 0x04,
  'nar-request': 0x10,
  'nar-header': 0x11,
  'nar-data': 0x12,
  'nar-end': 0x13,
  'inventory-subscribe': 0x20,
  'inventory-filter': 0x21,
  'inventory-delta': 0x22,
  'have-request': 0x23,
  'have-response': 0x24,
  'bulk-request': 0x30,
  'bulk-offer': 0x31,
} as const;

export type FrameTypeName = keyof typeof FRAME_TYPE;
const TYPE_NAMES = new Map<number, FrameTypeName>(Object.entries(FRAME_TYPE).map(([k, v]) => [v, k as FrameTypeName]));

export type Compression = 'none' | 'zstd';

/** Error codes a server may put in an `error` frame. */
export const ERROR_CODE = { badRequest: 1, tooMany: 2, notFound: 3, busy: 4, internal: 5 } as const;

export type Message =
  | { type: 'narinfo-request'; hashParts: string[] }
  | { type: 'narinfo'; text: string }
  | { type: 'end'; count: number }
  | { type: 'error'; code: number; message: string }
  | { type: 'nar-request'; hashPart: string; acceptZstd: boolean }
  | { type: 'nar-header'; compression: Compression; narSize: number }
  | { type: 'nar-data'; bytes: Uint8Array }
  | { type: 'nar-end'; narSize: number }
  | { type: 'inventory-subscribe' }
  | { type: 'inventory-filter'; seq: number; count: number; hashes: number; bits: number; data: Uint8Array }
  | { type: 'inventory-delta'; seq: number; added: string[]; removed: string[] }
  | { type: 'have-request'; id: number; hashParts: string[] }
  | { type: 'have-response'; id: number; have: boolean[] }
  | { type: 'bulk-request'; hashPart: string }
  | { type: 'bulk-offer'; narSize: number; port: number; token: Uint8Array; key: Uint8Array };

/** A malformed or forbidden frame; `offset` is the stream offset of the frame's first byte. */
export class WireError extends FormatError {
  override readonly name: string = 'WireError';
}

function fail(code: string, message: string, offset: number): never {
  throw new WireError(code, message, { offset, whence: 'peer frame' });
}

// ---- encoding -------------------------------------------------------------------------

/** Encode one message as a complete frame (length prefix included). */
export function encodeFrame(m: Message): Uint8Array {
  const body = encodeBody(m);
  const out = new Uint8Array(varintLength(body.length) + body.length);
  const n = writeVarint(out, 0, body.length);
  out.set(body, n);
  return out;
}

/**
 * The same frame as `encodeFrame`, in pieces to send one after the other: a nar-data frame
 * is its prefix and then the payload as given, so the bulk of a NAR is never copied here.
 */
export function encodeFrameParts(m: Message): Uint8Array[] {
  if (m.type !== 'nar-data') return [encodeFrame(m)];
  const bodyLength = 1 + m.bytes.length;
  const prefix = new Uint8Array(varintLength(bodyLength) + 1);
  const n = writeVarint(prefix, 0, bodyLength);
  prefix[n] = FRAME_TYPE['nar-data'];
  return [prefix, m.bytes];
}

function encodeBody(m: Message): Uint8Array {
  const w = new Writer(FRAME_TYPE[m.type]);
  switch (m.type) {
    case 'narinfo-request':
      for (const h of m.hashParts) w.digest(h);
      break;
    case 'narinfo':
      w.bytes(utf8(m.text));
      break;
    case 'end':
      w.u32(m.count);
      break;
    case 'error':
      w.u16(m.code).bytes(utf8(m.message).subarray(0, MAX_ERROR_MESSAGE_BYTES));
      break;
    case 'nar-request':
      w.digest(m.hashPart).u8(m.acceptZstd ? 1 : 0);
      break;
    case 'nar-header':
      w.u8(m.compression === 'zstd' ? 1 : 0).u64(m.narSize);
      break;
    case 'nar-data':
      w.bytes(m.bytes);
      break;
    case 'nar-end':
      w.u64(m.narSize);
      break;
    case 'inventory-subscribe':
      break;
    case 'inventory-filter':
      w.u64(m.seq).u32(m.count).u8(m.hashes).u32(m.bits).bytes(m.data);
      break;
    case 'inventory-delta':
      w.u64(m.seq).u32(m.added.length).u32(m.removed.length);
      for (const h of m.added) w.digest(h);
      for (const h of m.removed) w.digest(h);
      break;
    case 'have-request':
      w.u32(m.id);
      for (const h of m.hashParts) w.digest(h);
      break;
    case 'have-response': {
      const bitmap = new Uint8Array(Math.ceil(m.have.length / 8));
      m.have.forEach((b, i) => { if (b) bitmap[i >> 3]! |= 1 << (i & 7); });
      w.u32(m.id).u32(m.have.length).bytes(bitmap);
      break;
    }
    case 'bulk-request':
      w.digest(m.hashPart);
      break;
    case 'bulk-offer':
      if (m.token.length !== 16 || m.key.length !== 32) throw new RangeError('bulk-offer needs a 16-byte token and a 32-byte key');
      w.u64(m.narSize).u16(m.port).bytes(m.token).bytes(m.key);
      break;
  }
  return w.finish();
}

/** Growable big-endian writer for frame bodies. */
class Writer {
  #buf = new Uint8Array(64);
  #view = new DataView(this.#buf.buffer);
  #n = 0;
  constructor(type: number) {
    this.u8(type);
  }
  #room(k: number): void {
    if (this.#n + k <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#n + k));
    next.set(this.#buf.subarray(0, this.#n));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  u8(v: number): this { this.#room(1); this.#view.setUint8(this.#n, v); this.#n += 1; return this; }
  u16(v: number): this { this.#room(2); this.#view.setUint16(this.#n, v); this.#n += 2; return this; }
  u32(v: number): this { this.#room(4); this.#view.setUint32(this.#n, v); this.#n += 4; return this; }
  u64(v: number): this { this.#room(8); this.#view.setBigUint64(this.#n, BigInt(v)); this.#n += 8; return this; }
  bytes(b: Uint8Array): this { this.#room(b.length); this.#buf.set(b, this.#n); this.#n += b.length; return this; }
  digest(hashPart: string): this { return this.bytes(decodeNix32(hashPart, DIGEST_BYTES)); }
  finish(): Uint8Array { return this.#buf.subarray(0, this.#n); }
}

/** UTF-8 length of a string without encoding it twice (for the narinfo cap). */
export function utf8Length(s: string): number {
  return utf8(s).length;
}

/** Bytes of the uvarint encoding of `n`. */
export function varintLength(n: number): number {
  let k = 1;
  while (n >= 0x80) { n = Math.floor(n / 128); k++; }
  return k;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  let i = at;
  while (n >= 0x80) { out[i++] = (n & 0x7f) | 0x80; n = Math.floor(n / 128); }
  out[i++] = n;
  return i - at;
}

// ---- decoding -------------------------------------------------------------------------

/**
 * Incremental frame splitter: push chunks as they arrive, take complete frame bodies out.
 * Checks the length prefix against `maxBody` before buffering the body, so an oversized
 * frame is refused after its first few bytes.
 */
export class FrameDecoder {
  readonly maxBody: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Stream offset of the first buffered byte. */
  #offset = 0;

  constructor(maxBody: number) {
    this.maxBody = maxBody;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** Bytes consumed so far (the offset of the next frame). */
  get offset(): number {
    return this.#offset;
  }

  /** The next complete frame body and its stream offset, or undefined when more bytes are needed. */
  next(): { body: Uint8Array; offset: number } | undefined {
    const head = this.#peek(Math.min(MAX_VARINT_BYTES, this.#buffered));
    let len = 0;
    let i = 0;
    for (;; i++) {
      if (i >= head.length) {
        if (i >= MAX_VARINT_BYTES) fail('E_WIRE_VARINT', 'frame length prefix is longer than 5 bytes', this.#offset);
        return undefined;
      }
      const b = head[i]!;
      len += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) break;
    }
    if (i > 0 && head[i] === 0) fail('E_WIRE_VARINT', 'frame length prefix is not minimally encoded', this.#offset);
    if (len === 0) fail('E_WIRE_EMPTY_FRAME', 'empty frame (length 0)', this.#offset);
    if (len > this.maxBody) fail('E_WIRE_FRAME_TOO_LARGE', `frame of ${len} bytes exceeds the ${this.maxBody}-byte cap`, this.#offset);
    if (this.#buffered < i + 1 + len) return undefined;
    const offset = this.#offset;
    this.#take(i + 1);
    return { body: this.#take(len), offset };
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.#buffered > 0) fail('E_WIRE_TRUNCATED', `stream ended inside a frame (${this.#buffered} bytes of an incomplete frame)`, this.#offset);
  }

  #peek(n: number): Uint8Array {
    if (this.#chunks.length > 0 && this.#chunks[0]!.length >= n) return this.#chunks[0]!.subarray(0, n);
    return this.#copy(n, false);
  }

  #take(n: number): Uint8Array {
    this.#offset += n;
    this.#buffered -= n;
    const first = this.#chunks[0]!;
    if (first.length > n) {
      this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.#chunks.shift();
      return first;
    }
    return this.#copy(n, true);
  }

  #copy(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    let k = 0;
    while (o < n) {
      const c = this.#chunks[k]!;
      const m = Math.min(c.length, n - o);
      out.set(c.subarray(0, m), o);
      o += m;
      if (consume) {
        if (m === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(m);
      } else k++;
    }
    return out;
  }
}

/** Decode one frame body into a message, checking the payload layout of its type. */
export function decodeBody(body: Uint8Array, offset = 0): Message {
  const type = TYPE_NAMES.get(body[0]!);
  if (type === undefined) fail('E_WIRE_UNKNOWN_TYPE', `unknown frame type 0x${body[0]!.toString(16).padStart(2, '0')}`, offset);
  const r = new Reader(body, offset, type);
  let m: Message;
  switch (type) {
    case 'narinfo-request':
      m = { type, hashParts: r.digests(r.rest() / DIGEST_BYTES, true) };
      break;
    case 'narinfo': {
      const n = r.rest();
      if (n === 0) r.bad('empty narinfo');
      if (n > MAX_NARINFO_BYTES) r.bad(`narinfo of ${n} bytes exceeds ${MAX_NARINFO_BYTES}`, 'E_WIRE_NARINFO_TOO_LARGE');
      m = { type, text: fromUtf8(r.bytes(n)) };
      break;
    }
    case 'end':
      m = { type, count: r.u32() };
      break;
    case 'error':
      m = { type, code: r.u16(), message: fromUtf8(r.bytes(Math.min(r.rest(), MAX_ERROR_MESSAGE_BYTES))) };
      break;
    case 'nar-request': {
      const hashPart = r.digests(1, false)[0]!;
      m = { type, hashPart, acceptZstd: (r.u8() & 1) === 1 };
      break;
    }
    case 'nar-header': {
      const c = r.u8();
      if (c > 1) r.bad(`unknown compression ${c}`);
      m = { type, compression: c === 1 ? 'zstd' : 'none', narSize: r.u64() };
      break;
    }
    case 'nar-data':
      if (r.rest() === 0) r.bad('empty nar-data frame');
      m = { type, bytes: r.bytes(r.rest()) };
      break;
    case 'nar-end':
      m = { type, narSize: r.u64() };
      break;
    case 'inventory-subscribe':
      m = { type };
      break;
    case 'inventory-filter': {
      const seq = r.u64();
      const count = r.u32();
      const hashes = r.u8();
      const bits = r.u32();
      if (hashes < 1 || hashes > 32) r.bad(`filter uses ${hashes} hash functions, expected 1 to 32`);
      if (bits < 8 || (bits & (bits - 1)) !== 0) r.bad(`filter size ${bits} bits is not a power of two >= 8`);
      if (r.rest() !== bits / 8) r.bad(`filter of ${bits} bits carries ${r.rest()} bytes, expected ${bits / 8}`);
      m = { type, seq, count, hashes, bits, data: r.bytes(bits / 8) };
      break;
    }
    case 'inventory-delta': {
      const seq = r.u64();
      const na = r.u32();
      const nr = r.u32();
      if (na + nr === 0 || na > MAX_DELTA_PATHS || nr > MAX_DELTA_PATHS) r.bad(`delta with ${na} added and ${nr} removed paths (1 to ${MAX_DELTA_PATHS} each)`);
      m = { type, seq, added: r.digests(na, false), removed: r.digests(nr, false) };
      break;
    }
    case 'have-request': {
      const id = r.u32();
      m = { type, id, hashParts: r.digests(r.rest() / DIGEST_BYTES, true) };
      break;
    }
    case 'have-response': {
      const id = r.u32();
      const count = r.u32();
      if (count > MAX_PATHS_PER_REQUEST) r.bad(`have-response for ${count} paths exceeds ${MAX_PATHS_PER_REQUEST}`);
      const bitmap = r.bytes(Math.ceil(count / 8));
      const have: boolean[] = [];
      for (let i = 0; i < count; i++) have.push((bitmap[i >> 3]! & (1 << (i & 7))) !== 0);
      m = { type, id, have };
      break;
    }
    case 'bulk-request':
      m = { type, hashPart: r.digests(1, false)[0]! };
      break;
    case 'bulk-offer': {
      const narSize = r.u64();
      const port = r.u16();
      if (port === 0) r.bad('bulk-offer with port 0');
      m = { type, narSize, port, token: r.bytes(16).slice(), key: r.bytes(32).slice() };
      break;
    }
  }
  r.done();
  return m;
}

/** Bounds-checked big-endian reader over one frame body (after its type byte). */
class Reader {
  readonly #b: Uint8Array;
  readonly #view: DataView;
  readonly #offset: number;
  readonly #type: string;
  #i = 1;
  constructor(b: Uint8Array, offset: number, type: string) {
    this.#b = b;
    this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.#offset = offset;
    this.#type = type;
  }
  bad(why: string, code = 'E_WIRE_BAD_PAYLOAD'): never {
    fail(code, `malformed ${this.#type} frame: ${why}`, this.#offset);
  }
  rest(): number { return this.#b.length - this.#i; }
  #need(n: number): void {
    if (this.rest() < n) this.bad(`payload ends ${n - this.rest()} bytes early`);
  }
  u8(): number { this.#need(1); return this.#view.getUint8(this.#i++); }
  u16(): number { this.#need(2); const v = this.#view.getUint16(this.#i); this.#i += 2; return v; }
  u32(): number { this.#need(4); const v = this.#view.getUint32(this.#i); this.#i += 4; return v; }
  u64(): number {
    this.#need(8);
    const v = this.#view.getBigUint64(this.#i);
    this.#i += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.bad(`64-bit value ${v} is beyond 2^53`);
    return Number(v);
  }
  bytes(n: number): Uint8Array { this.#need(n); const v = this.#b.subarray(this.#i, this.#i + n); this.#i += n; return v; }
  /** `n` digests as hash parts; `list` checks a request list (1..MAX, whole digests). */
  digests(n: number, list: boolean): string[] {
    if (list) {
      if (!Number.isInteger(n)) this.bad(`${this.rest()} bytes is not a whole number of ${DIGEST_BYTES}-byte digests`);
      if (n === 0) this.bad('no paths requested', 'E_WIRE_EMPTY_REQUEST');
      if (n > MAX_PATHS_PER_REQUEST) this.bad(`${n} paths requested, at most ${MAX_PATHS_PER_REQUEST} allowed`, 'E_WIRE_TOO_MANY_PATHS');
    }
    this.#need(n * DIGEST_BYTES);
    const out: string[] = [];
    for (let k = 0; k < n; k++) out.push(encodeNix32(this.bytes(DIGEST_BYTES)));
    return out;
  }
  done(): void {
    if (this.rest() !== 0) this.bad(`${this.rest()} unexpected trailing bytes`);
  }
}

/** Check that a message is one the receiving side of `protocol` accepts at this point. */
export function expectType<T extends Message['type']>(m: Message, allowed: readonly T[], offset: number): Extract<Message, { type: T }> {
  if (!(allowed as readonly string[]).includes(m.type)) {
    fail('E_WIRE_UNEXPECTED_FRAME', `unexpected ${m.type} frame (expected ${allowed.join(' or ')})`, offset);
  }
  return m as Extract<Message, { type: T }>;
}
