/** `file://` binary caches: the cache is a directory (`nix copy --to file:///srv/cache`). */

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidValueError } from '../errors.ts';
import type { CacheTransport } from './binary-cache.ts';

export class FileTransport implements CacheTransport {
  readonly uri: string;
  readonly #dir: string;

  constructor(uri: string, dir: string) {
    this.uri = uri;
    this.#dir = dir;
  }

  #path(rel: string): string {
    // A narinfo's URL is data from the cache: keep it inside the cache directory.
    const p = normalize(join(this.#dir, rel));
    if (!p.startsWith(normalize(this.#dir) + '/')) throw new InvalidValueError('E_SUBSTITUTER', `'${rel}' is outside the binary cache '${this.uri}'`);
    return p;
  }

  async readFile(rel: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#path(rel), { signal });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async openFile(rel: string, signal?: AbortSignal): Promise<Readable> {
    return createReadStream(this.#path(rel), { signal });
  }
}
