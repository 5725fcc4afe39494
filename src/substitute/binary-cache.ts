/**
 * A Nix binary cache as a substituter, over any transport that can read a file of the
 * cache (file-transport.ts for `file://`, http-transport.ts for `http(s)://`). Layout, as `nix copy --to` writes it
 * (Nix: `BinaryCacheStore`):
 *
 *   nix-cache-info        `StoreDir: /nix/store`, `WantMassQuery: 1`, `Priority: 40`
 *   <hash part>.narinfo   one per path (see src/store/narinfo.ts)
 *   nar/<…>.nar[.xz|.zst|.bz2]  the NAR, compressed as the narinfo says
 *
 * The cache's answers are only claims: substitute.ts decides trust, the store checks the
 * NAR hash and size.
 */

import type { Readable } from 'node:stream';
import { InvalidValueError } from '../errors.ts';
import { type NarInfo, parseNarInfo } from '../store/narinfo.ts';
import type { StoreDir } from '../store/store-dir.ts';
import type { StorePath } from '../store/store-path.ts';
import { decompress } from './decompress.ts';
import type { SubstitutablePathInfo, Substituter } from './substituter.ts';

/** Reads files of a cache by their path relative to its root. */
export interface CacheTransport {
  readonly uri: string;
  /** The whole file, or undefined when it does not exist. */
  readFile(rel: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** A stream of the file (which must exist). */
  openFile(rel: string, signal?: AbortSignal): Promise<Readable>;
}

export interface CacheInfo {
  readonly storeDir: string | undefined;
  readonly wantMassQuery: boolean;
  readonly priority: number;
}

/** Parse `nix-cache-info`: `Key: value` lines, unknown keys and colon-less lines ignored. */
export function parseCacheInfo(text: string): CacheInfo {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    kv.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const prio = Number(kv.get('Priority'));
  return { storeDir: kv.get('StoreDir'), wantMassQuery: kv.get('WantMassQuery') === '1', priority: Number.isInteger(prio) ? prio : 0 };
}

export interface BinaryCacheOptions {
  /** `?priority=` in the URI: overrides the cache's own. */
  readonly priority?: number;
  /** `?trusted=1`. */
  readonly trusted?: boolean;
}

export class BinaryCacheSubstituter implements Substituter {
  readonly uri: string;
  readonly priority: number;
  readonly trusted: boolean;
  readonly #transport: CacheTransport;
  readonly #storeDir: StoreDir;
  /** Narinfos already read, for `fetchNar` (it needs URL and compression). */
  readonly #narinfos = new Map<string, NarInfo>();

  private constructor(transport: CacheTransport, storeDir: StoreDir, priority: number, trusted: boolean) {
    this.uri = transport.uri;
    this.#transport = transport;
    this.#storeDir = storeDir;
    this.priority = priority;
    this.trusted = trusted;
  }

  /** Open a cache: read its `nix-cache-info` and check it is for this store dir. */
  static async open(transport: CacheTransport, storeDir: StoreDir, opts: BinaryCacheOptions = {}): Promise<BinaryCacheSubstituter> {
    const raw = await transport.readFile('nix-cache-info');
    if (raw === undefined) throw new InvalidValueError('E_SUBSTITUTER', `'${transport.uri}' does not appear to be a binary cache`);
    const info = parseCacheInfo(Buffer.from(raw).toString('utf8'));
    if (info.storeDir !== undefined && info.storeDir !== storeDir.dir) {
      throw new InvalidValueError('E_SUBSTITUTER', `binary cache '${transport.uri}' is for Nix stores with prefix '${info.storeDir}', not '${storeDir.dir}'`);
    }
    return new BinaryCacheSubstituter(transport, storeDir, opts.priority ?? info.priority, opts.trusted ?? false);
  }

  async queryPathInfos(paths: readonly StorePath[], signal?: AbortSignal): Promise<Map<string, SubstitutablePathInfo>> {
    const res = new Map<string, SubstitutablePathInfo>();
    await Promise.all(
      paths.map(async (p) => {
        const info = await this.#narinfo(p, signal);
        if (info) res.set(p.baseName, info);
      }),
    );
    return res;
  }

  async #narinfo(p: StorePath, signal?: AbortSignal): Promise<NarInfo | undefined> {
    const cached = this.#narinfos.get(p.baseName);
    if (cached) return cached;
    const name = `${p.hashPart}.narinfo`;
    const raw = await this.#transport.readFile(name, signal);
    if (raw === undefined) return undefined;
    const info = parseNarInfo(raw, { whence: `${this.uri}/${name}`, storeDir: this.#storeDir });
    // A narinfo for another path under this hash part is not an answer (Nix checks the same).
    if (!info.path.equals(p)) return undefined;
    const withSize = { ...info, downloadSize: info.fileSize };
    this.#narinfos.set(p.baseName, withSize);
    return withSize;
  }

  async *fetchNar(info: SubstitutablePathInfo, signal?: AbortSignal): AsyncIterable<Uint8Array> {
    const ni = this.#narinfos.get(info.path.baseName) ?? (await this.#narinfo(info.path, signal));
    if (!ni) throw new InvalidValueError('E_SUBSTITUTER', `'${this.uri}' has no narinfo for '${this.#storeDir.printPath(info.path)}'`);
    const stream = await this.#transport.openFile(ni.url, signal);
    yield* decompress(stream, ni.compression, `${this.uri}/${ni.url}`);
  }
}
