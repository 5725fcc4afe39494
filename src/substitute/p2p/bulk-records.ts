/**
 * The bulk channel's wire format (pure: keys and bytes in, bytes out). A bulk channel is a
 * plain TCP connection beside a libp2p connection that carries one NAR; the key and the
 * one-time token come from the server inside the noise-encrypted `/tix/bulk/1.0.0` stream
 * (wire.ts `bulk-offer`), so a pre-shared-key network protects them as it protects the rest.
 *
 *     client → server   hello  = "TIXBULK1" token:16 mac:32
 *                       mac    = HMAC-SHA256(helloKey, "TIXBULK1" token)
 *     server → client   record* (the last one has the final flag; then the server closes)
 *     record            = header:4 ciphertext:len tag:16
 *     header            = u32 big-endian: bit 31 final, bits 0..30 len (len <= RECORD_MAX)
 *     ciphertext, tag   = AES-256-GCM(recordKey, nonce, plaintext, aad = header)
 *     nonce             = 0x00000000 u64(record counter, from 0)
 *     helloKey, recordKey = HKDF-SHA256(key, salt = token, info = "tix-bulk-1 hello" | "tix-bulk-1 records")
 *
 * The header is authenticated (a changed length or final flag fails the tag), the counter in
 * the nonce makes dropped, repeated or reordered records fail, and only a record with the
 * final flag ends the stream, so a cut connection is never a complete NAR. The two
 * directions use different keys (the client only ever sends the hello).
 */

import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, timingSafeEqual, type DecipherGCM, type KeyObject } from 'node:crypto';
import { FormatError } from '../../errors.ts';
import { utf8 } from '../../util/bytes.ts';

export const BULK_MAGIC = utf8('TIXBULK1');
export const BULK_TOKEN_BYTES = 16;
export const BULK_KEY_BYTES = 32;
export const BULK_HELLO_BYTES = BULK_MAGIC.length + BULK_TOKEN_BYTES + 32;
/** Largest plaintext of one record: big enough that per-record costs vanish, small enough to hold unverified. */
export const RECORD_MAX = 1024 * 1024;
const HEADER_BYTES = 4;
const TAG_BYTES = 16;
const FINAL = 0x80000000;
const CIPHER = 'aes-256-gcm';

/** A malformed, forged or cut bulk stream; `offset` is the stream offset where it was found. */
export class BulkRecordError extends FormatError {
  override readonly name: string = 'BulkRecordError';
}

export interface BulkKeys {
  readonly hello: Uint8Array;
  readonly records: Uint8Array;
}

/** The two keys of one channel, derived from the offer's key and token. */
export function deriveBulkKeys(key: Uint8Array, token: Uint8Array): BulkKeys {
  if (key.length !== BULK_KEY_BYTES || token.length !== BULK_TOKEN_BYTES) throw new RangeError('bulk key must be 32 bytes and token 16');
  const derive = (info: string): Uint8Array => new Uint8Array(hkdfSync('sha256', key, token, info, 32));
  return { hello: derive('tix-bulk-1 hello'), records: derive('tix-bulk-1 records') };
}

/** The client's hello proving it holds the offer's key. */
export function encodeHello(token: Uint8Array, keys: BulkKeys): Uint8Array {
  const out = new Uint8Array(BULK_HELLO_BYTES);
  out.set(BULK_MAGIC, 0);
  out.set(token, BULK_MAGIC.length);
  out.set(helloMac(out.subarray(0, BULK_MAGIC.length + BULK_TOKEN_BYTES), keys.hello), BULK_MAGIC.length + BULK_TOKEN_BYTES);
  return out;
}

/** The token a hello names, or an error when it is not a hello at all (checked before any key is looked up). */
export function helloToken(hello: Uint8Array): Uint8Array {
  if (hello.length !== BULK_HELLO_BYTES) throw new BulkRecordError('E_BULK_HELLO', `a hello is ${BULK_HELLO_BYTES} bytes, got ${hello.length}`, { offset: 0, whence: 'bulk hello' });
  for (let i = 0; i < BULK_MAGIC.length; i++) {
    if (hello[i] !== BULK_MAGIC[i]) throw new BulkRecordError('E_BULK_HELLO', 'not a tix bulk hello', { offset: i, whence: 'bulk hello' });
  }
  return hello.subarray(BULK_MAGIC.length, BULK_MAGIC.length + BULK_TOKEN_BYTES);
}

/** Whether the hello's MAC is right for these keys (constant time). */
export function checkHello(hello: Uint8Array, keys: BulkKeys): boolean {
  helloToken(hello);
  const n = BULK_MAGIC.length + BULK_TOKEN_BYTES;
  return timingSafeEqual(helloMac(hello.subarray(0, n), keys.hello), hello.subarray(n));
}

function helloMac(data: Uint8Array, key: Uint8Array): Uint8Array {
  return createHmac('sha256', key).update(data).digest();
}

function nonce(counter: number): Uint8Array {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setBigUint64(4, BigInt(counter));
  return n;
}

/** Encrypts plaintext into records, counting them. */
export class RecordSealer {
  /** Imported once: importing a raw key per record showed up in profiles beside the AEAD itself. */
  readonly #key: KeyObject;
  #counter = 0;
  #done = false;

  constructor(keys: BulkKeys) {
    this.#key = createSecretKey(keys.records);
  }

  /** One record's pieces (header, ciphertext, tag) to send in order; `final` ends the stream. */
  seal(plain: Uint8Array, final: boolean): Uint8Array[] {
    if (this.#done) throw new RangeError('the final record was sealed already');
    if (plain.length > RECORD_MAX) throw new RangeError(`record of ${plain.length} bytes exceeds ${RECORD_MAX}`);
    const header = new Uint8Array(HEADER_BYTES);
    new DataView(header.buffer).setUint32(0, (final ? FINAL : 0) + plain.length);
    const c = createCipheriv(CIPHER, this.#key, nonce(this.#counter++), { authTagLength: TAG_BYTES });
    c.setAAD(header);
    const body = c.update(plain);
    c.final();
    if (final) this.#done = true;
    return [header, body, c.getAuthTag()];
  }
}

/**
 * Decrypts a stream of records pushed in arbitrary pieces. Plaintext of a record is handed out
 * only after its tag verified; after the final record any further byte is an error.
 */
export class RecordOpener {
  readonly #key: KeyObject;
  #counter = 0;
  /** Stream offset of the next byte pushed. */
  #offset = 0;
  #recordStart = 0;
  #state: 'header' | 'body' | 'tag' | 'done' = 'header';
  /** Bytes gathered for a header or a tag. */
  readonly #small = new Uint8Array(TAG_BYTES);
  #smallN = 0;
  #header = new Uint8Array(HEADER_BYTES);
  #left = 0;
  #final = false;
  #decipher: DecipherGCM | undefined;
  #plain: Uint8Array[] = [];

  constructor(keys: BulkKeys) {
    this.#key = createSecretKey(keys.records);
  }

  /** Whether the final record has been verified. */
  get finished(): boolean {
    return this.#state === 'done';
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Feed bytes; returns the verified plaintext pieces they completed (possibly none). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === 'done') this.#fail('E_BULK_TRAILING', 'bytes after the final record', this.#offset + i);
      if (this.#state === 'body') {
        const n = Math.min(this.#left, chunk.length - i);
        const p = this.#decipher!.update(chunk.subarray(i, i + n));
        if (p.length > 0) this.#plain.push(p);
        this.#left -= n;
        i += n;
        if (this.#left === 0) this.#state = 'tag';
        continue;
      }
      const want = this.#state === 'header' ? HEADER_BYTES : TAG_BYTES;
      const n = Math.min(want - this.#smallN, chunk.length - i);
      this.#small.set(chunk.subarray(i, i + n), this.#smallN);
      this.#smallN += n;
      i += n;
      if (this.#smallN < want) continue;
      this.#smallN = 0;
      if (this.#state === 'header') this.#startRecord(this.#offset + i - HEADER_BYTES);
      else this.#endRecord(out);
    }
    this.#offset += chunk.length;
    return out;
  }

  /** The stream ended: an error unless the final record was complete. */
  end(): void {
    if (this.#state !== 'done') this.#fail('E_BULK_TRUNCATED', `the stream ended after ${this.#offset} bytes without its final record`, this.#offset);
  }

  #startRecord(at: number): void {
    this.#recordStart = at;
    this.#header = this.#small.slice(0, HEADER_BYTES);
    const h = new DataView(this.#header.buffer).getUint32(0);
    this.#final = (h & FINAL) !== 0;
    this.#left = h & ~FINAL;
    if (this.#left > RECORD_MAX) this.#fail('E_BULK_RECORD', `record of ${this.#left} bytes exceeds ${RECORD_MAX}`, at);
    this.#decipher = createDecipheriv(CIPHER, this.#key, nonce(this.#counter++), { authTagLength: TAG_BYTES });
    this.#decipher.setAAD(this.#header);
    this.#state = this.#left === 0 ? 'tag' : 'body';
  }

  #endRecord(out: Uint8Array[]): void {
    const d = this.#decipher!;
    d.setAuthTag(this.#small.subarray(0, TAG_BYTES));
    try {
      d.final();
    } catch (e) {
      this.#fail('E_BULK_AUTH', `record ${this.#counter - 1} does not authenticate (tampered, wrong key, or out of order)`, this.#recordStart, e);
    }
    for (const p of this.#plain) out.push(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
    this.#plain = [];
    this.#decipher = undefined;
    this.#state = this.#final ? 'done' : 'header';
  }

  #fail(code: string, message: string, offset: number, cause?: unknown): never {
    this.#plain = [];
    throw new BulkRecordError(code, message, { offset, whence: 'bulk channel', ...(cause === undefined ? {} : { cause }) });
  }
}
