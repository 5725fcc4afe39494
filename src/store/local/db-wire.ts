/**
 * The protocol between a tix process and the DB owner, over a Unix socket.
 *
 *   frame    = length:u32be  json:bytes[length]
 *   hello    = {"hello": 1, "holder": "<pid>.<start>.<nonce>"}         client → owner, first
 *   request  = {"i": id, "m": method, "a": [args...]}                   client → owner
 *   cancel   = {"i": id, "cancel": true}                                 client → owner
 *   bye      = {"i": id, "bye": true}     end the session, answered once its locks and
 *                                        temp roots are released; then the client hangs up
 *   response = {"i": id, "r": result} | {"i": id, "e": {code, message, storePath?}}
 *   event    = {"ev": StoreDbEvent}                                      owner → client
 *
 * Values keep their types across the socket through tagged objects: a StorePath is
 * `{"$p": base name}`, a Hash `{"$h": "sha256:<nix32>"}`, a Map `{"$m": [[k, v]...]}`,
 * `undefined` `{"$u": 1}`; everything else is plain JSON.
 */

import type { Socket } from 'node:net';
import { Hash, parseHashPrefixed } from '../../hash/hash.ts';
import { StorePath } from '../store-path.ts';
import { StoreError } from './errors.ts';

/** Methods of `StoreDb` a client may call (events and close are handled apart). */
export const DB_METHODS = [
  'queryPathInfo', 'queryPathInfos', 'isValidPath', 'queryValidPaths', 'queryReferrers', 'queryPathFromHashPart',
  'queryDerivationOutputs', 'queryValidDerivers', 'listPathInfos', 'registerValidPaths', 'addSignatures',
  'invalidatePaths', 'lockPaths', 'unlockPaths', 'addTempRoots', 'removeTempRoots', 'listTempRoots', 'subscribe',
] as const;
export type DbMethod = (typeof DB_METHODS)[number];

/** Largest frame accepted; a page of path infos stays far below it. */
export const MAX_FRAME = 64 * 1024 * 1024;

function replacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already called toJSON/toString-free conversion only for Dates; our
  // classes arrive here as instances, so tag them.
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof StorePath) return { $p: raw.baseName };
  if (raw instanceof Hash) return { $h: raw.toString('nix32', true) };
  if (raw instanceof Map) return { $m: [...raw] };
  if (raw === undefined) return { $u: 1 };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const o = value as Record<string, unknown>;
  if (typeof o.$p === 'string') return new StorePath(o.$p);
  if (typeof o.$h === 'string') return parseHashPrefixed(o.$h);
  if (Array.isArray(o.$m)) return new Map(o.$m as [unknown, unknown][]);
  if (o.$u === 1) return undefined;
  return value;
}

export function encodeFrame(msg: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(msg, replacer), 'utf8');
  if (body.length > MAX_FRAME) throw new StoreError('E_DB_FRAME', `store DB message of ${body.length} bytes exceeds ${MAX_FRAME}`);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Splits a byte stream into decoded frames. */
export class FrameDecoder {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): unknown[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: unknown[] = [];
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len > MAX_FRAME) throw new StoreError('E_DB_FRAME', `store DB frame of ${len} bytes exceeds ${MAX_FRAME}`);
      if (this.#buf.length < 4 + len) break;
      out.push(JSON.parse(this.#buf.subarray(4, 4 + len).toString('utf8'), reviver));
      this.#buf = this.#buf.subarray(4 + len);
    }
    return out;
  }
}

/**
 * Hand each batch of frames arriving on `socket` to `handle`, in order; a malformed or
 * oversized frame ends the connection (the other side then sees it lost).
 */
export function onFrames(socket: Socket, handle: (frames: Record<string, unknown>[]) => void): void {
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    let frames: unknown[];
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    handle(frames as Record<string, unknown>[]);
  });
}

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly storePath?: string;
}

export function errorToWire(e: unknown): WireError {
  const x = e as { code?: unknown; message?: unknown; storePath?: unknown };
  return {
    code: typeof x.code === 'string' ? x.code : 'E_INTERNAL',
    message: typeof x.message === 'string' ? x.message : String(e),
    ...(typeof x.storePath === 'string' ? { storePath: x.storePath } : {}),
  };
}

export function errorFromWire(w: WireError): StoreError {
  return new StoreError(w.code, w.message, w.storePath ? { storePath: w.storePath } : {});
}
