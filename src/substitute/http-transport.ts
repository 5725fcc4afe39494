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
 */

import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
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
    this.#opts = { connections: 25, attempts: 5, headersTimeoutMs: 30_000, backoffMs: 100, maxFileBytes: 4 << 20, ...opts };
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
      await res.body?.cancel().catch(() => {});
      throw tooBig();
    }
    await this.#acquire();
    try {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of (res.body ?? []) as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > this.#opts.maxFileBytes) {
          await res.body?.cancel().catch(() => {});
          throw tooBig();
        }
        chunks.push(chunk);
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
    if (!res.body) return Readable.from([]);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  /** GET with retries; undefined when the file does not exist. */
  async #get(url: string, signal?: AbortSignal): Promise<Response | undefined> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.#opts.attempts; attempt++) {
      signal?.throwIfAborted();
      if (attempt > 1) await delay(this.#opts.backoffMs * 2 ** (attempt - 2), signal);
      let res: Response;
      await this.#acquire();
      // The timeout covers connecting and the headers; the body may take as long as it takes.
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(new Error(`no response within ${this.#opts.headersTimeoutMs} ms`)), this.#opts.headersTimeoutMs);
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
      if (res.ok) return res;
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
