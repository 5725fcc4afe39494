/**
 * `http://` and `https://` binary caches (`substituters = https://cache.example.org`): the
 * cache's files fetched with Node's `fetch`. Nix: `HttpBinaryCacheStore` over
 * `FileTransfer` (filetransfer.cc), whose status rules this follows:
 *
 *   404, 410, 403      the file does not exist (403: S3 buckets that may not be listed)
 *   5xx, 408, 429,     transient: retried with exponential backoff (not 501, 505, 511)
 *   connection errors
 *   anything else      an error ("unable to download '<url>': HTTP error <status>")
 *
 * A narinfo's `URL` is relative to the cache, or an absolute http(s) URL (Nix accepts both).
 * Requests to one cache are limited to `connections` at a time (Nix's `http-connections`),
 * so asking for a closure of thousands of paths does not open thousands of sockets.
 *
 * `stalled-download-timeout` (Nix lets curl drop a transfer that moves nothing for that
 * long): waiting for the response headers and every read of a body are bounded by it, so a
 * cache that sends headers and part of a file and then nothing (a slowloris, or a link that
 * went dead without a FIN) is dropped: the request is aborted, which closes its socket, and
 * the reader gets `E_SUBSTITUTER` "stalled". Only time spent waiting for the network
 * counts; a consumer that reads slowly (the store writing to disk) is never cut off.
 */

import { Readable } from 'node:stream';
import type { ReadableStreamReadResult } from 'node:stream/web';
import { InvalidValueError } from '../errors.ts';
import type { CacheTransport } from './binary-cache.ts';

export interface HttpTransportOptions {
  /** Requests in flight at once (Nix: `http-connections`, default 25). */
  readonly connections?: number;
  /** Attempts for a transient failure before giving up (Nix: 5). */
  readonly attempts?: number;
  /** Milliseconds to wait for the response headers of one attempt (Nix: `connect-timeout` 15 s, then transfer). */
  readonly headersTimeoutMs?: number;
  /** First backoff delay; doubled per attempt. */
  readonly backoffMs?: number;
  /** Largest small file (`nix-cache-info`, narinfo) read whole; a lying cache cannot fill memory. */
  readonly maxFileBytes?: number;
  /** Give up on a response that brings no byte for this long (Nix: `stalled-download-timeout`); 0: never. */
  readonly stallTimeoutMs?: number;
}

const MISSING = new Set([403, 404, 410]);
const NOT_TRANSIENT = new Set([501, 505, 511]);

function transient(status: number): boolean {
  return (status >= 500 && !NOT_TRANSIENT.has(status)) || status === 408 || status === 429;
}

export class HttpTransport implements CacheTransport {
  readonly uri: string;
  readonly #base: string;
  readonly #opts: Required<HttpTransportOptions>;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /** `base`: the cache URL without query and trailing slash (also its `uri`). */
  constructor(base: string, opts: HttpTransportOptions = {}) {
    this.uri = base;
    this.#base = base;
    this.#opts = { connections: 25, attempts: 5, headersTimeoutMs: 30_000, backoffMs: 100, maxFileBytes: 4 << 20, stallTimeoutMs: 300_000, ...opts };
  }

  /** The absolute URL of a file: relative to the cache, or absolute http(s) as a narinfo may say. */
  url(rel: string): string {
    if (/^https?:\/\//.test(rel)) return rel;
    if (/^[a-z][a-z0-9+.-]*:/i.test(rel)) throw new InvalidValueError('E_SUBSTITUTER', `'${rel}' is not a file of the binary cache '${this.uri}'`);
    return `${this.#base}/${rel.replace(/^\/+/, '')}`;
  }

  async readFile(rel: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const url = this.url(rel);
    const res = await this.#get(url, signal);
    if (!res) return undefined;
    const tooBig = (): InvalidValueError => new InvalidValueError('E_SUBSTITUTER', `'${url}' is larger than ${this.#opts.maxFileBytes} bytes`);
    if (Number(res.headers.get('content-length') ?? 0) > this.#opts.maxFileBytes) {
      res.abort();
      throw tooBig();
    }
    await this.#acquire();
    try {
      const chunks: Uint8Array[] = [];
      let size = 0;
      const body = res.body.getReader();
      try {
        for (;;) {
          const r = await res.read(body);
          if (r.done) break;
          size += r.value.byteLength;
          if (size > this.#opts.maxFileBytes) throw tooBig();
          chunks.push(r.value);
        }
      } finally {
        res.close(body);
      }
      return Buffer.concat(chunks);
    } finally {
      this.#release();
    }
  }

  async openFile(rel: string, signal?: AbortSignal): Promise<Readable> {
    const url = this.url(rel);
    const res = await this.#get(url, signal);
    if (!res) throw new InvalidValueError('E_SUBSTITUTER', `unable to download '${url}': HTTP error 404 (the file is missing from the binary cache)`);
    const found = res;
    const body = found.body.getReader();
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          const r = await found.read(body);
          if (r.done) return;
          yield r.value;
        }
      } finally {
        found.close(body);
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  /** GET with retries; undefined when the file does not exist. */
  async #get(url: string, signal?: AbortSignal): Promise<Body | undefined> {
    let lastError = '';
    const stall = this.#opts.stallTimeoutMs;
    // Waiting for the headers is waiting for data too: the stall timeout bounds it as well.
    const headersMs = stall > 0 ? Math.min(stall, this.#opts.headersTimeoutMs) : this.#opts.headersTimeoutMs;
    for (let attempt = 1; attempt <= this.#opts.attempts; attempt++) {
      signal?.throwIfAborted();
      if (attempt > 1) await delay(this.#opts.backoffMs * 2 ** (attempt - 2), signal);
      let res: Response;
      await this.#acquire();
      // One controller per request: the headers timeout, then the stall guard, abort it.
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new Error(`no response within ${headersMs} ms`)), headersMs);
      const both = signal ? AbortSignal.any([signal, ctl.signal]) : ctl.signal;
      try {
        res = await fetch(url, { signal: both, redirect: 'follow' });
      } catch (e) {
        if (signal?.aborted) throw e;
        lastError = describeFetchError(e);
        continue;
      } finally {
        clearTimeout(timer);
        this.#release();
      }
      if (res.ok) return new Body(url, res, ctl, stall);
      await res.body?.cancel().catch(() => {});
      if (MISSING.has(res.status)) return undefined;
      lastError = `HTTP error ${res.status}`;
      if (!transient(res.status)) break;
    }
    throw new InvalidValueError('E_SUBSTITUTER', `unable to download '${url}': ${lastError}`);
  }

  async #acquire(): Promise<void> {
    if (this.#active >= this.#opts.connections) await new Promise<void>((r) => this.#waiting.push(r));
    this.#active++;
  }

  #release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}

/**
 * A response body read under the stall timeout: each read waits at most `stallMs` for the
 * network; when it expires the request is aborted (closing the socket) and the read fails.
 */
class Body {
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array>;
  readonly #url: string;
  readonly #ctl: AbortController;
  readonly #stallMs: number;
  #bytes = 0;

  constructor(url: string, res: Response, ctl: AbortController, stallMs: number) {
    this.#url = url;
    this.headers = res.headers;
    this.body = res.body ?? new ReadableStream({ start: (c) => c.close() });
    this.#ctl = ctl;
    this.#stallMs = stallMs;
  }

  async read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadableStreamReadResult<Uint8Array>> {
    const next = reader.read();
    if (this.#stallMs <= 0) return this.#count(await next);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new InvalidValueError('E_SUBSTITUTER', `unable to download '${this.#url}': stalled: no data for ${this.#stallMs} ms after ${this.#bytes} bytes`);
        // The pending read fails with the abort; that failure is this one.
        next.catch(() => {});
        this.#ctl.abort(e);
        reject(e);
      }, this.#stallMs);
    });
    try {
      return this.#count(await Promise.race([next, stalled]));
    } finally {
      clearTimeout(timer);
    }
  }

  #count(r: ReadableStreamReadResult<Uint8Array>): ReadableStreamReadResult<Uint8Array> {
    if (!r.done) this.#bytes += r.value.byteLength;
    return r;
  }

  /** Drop the request (its socket) without reading further. */
  abort(): void {
    if (!this.#ctl.signal.aborted) this.#ctl.abort(new Error('response not read'));
  }

  /** After reading: release the reader; a body not read to its end is aborted. */
  close(reader: ReadableStreamDefaultReader<Uint8Array>): void {
    reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function describeFetchError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}
