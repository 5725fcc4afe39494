/**
 * A Nix `file://` binary cache directory (what `nix copy --to file://DIR` writes) as a
 * `PathInfoSource` + `NarSource`, so a node can serve such a directory to its peers
 * (`tix node start --serve-cache DIR`): an air-gapped mirror, or a CI cache handed to the
 * network. Narinfos are served exactly as found (they carry the signatures of whoever made
 * them; peers check those); NARs are served decompressed from `Compression: none` or `zstd`
 * files. Paths with other compressions are skipped with a warning, since Node cannot
 * decompress xz or bzip2.
 *
 * Layout (binary-cache-store.cc): `<hash>.narinfo` files at the top, NARs under the narinfo's
 * relative `URL`. `fs.watch` turns new and deleted narinfo files into path events, because
 * `nix copy` writes each file to a temporary name and renames it into place.
 */

import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { createZstdDecompress } from 'node:zlib';
import { StorePath } from '../store/store-path.ts';
import type { AbortOptions, NarSource, NarStream, PathEvent, PathInfoSource, ServedPathInfo } from './p2p/types.ts';

interface CacheEntry extends ServedPathInfo {
  /** NAR file path relative to the cache dir. */
  readonly url: string;
  readonly compression: 'none' | 'zstd';
}

const NARINFO_RE = /^[0-9a-df-np-sv-z]{32}\.narinfo$/;

export class BinaryCacheDirSource implements PathInfoSource, NarSource {
  readonly dir: string;
  readonly #entries = new Map<string, CacheEntry>();
  readonly #listeners = new Set<(e: PathEvent) => void>();
  readonly #warn: (msg: string) => void;
  #watcher: FSWatcher | undefined;

  constructor(dir: string, warn: (msg: string) => void = () => {}) {
    this.dir = dir;
    this.#warn = warn;
  }

  /** Read every narinfo and start watching the directory. */
  async open(): Promise<void> {
    for (const name of await readdir(this.dir)) if (NARINFO_RE.test(name)) await this.#load(name, false);
    this.#watcher = watch(this.dir, (_event, name) => {
      if (typeof name === 'string' && NARINFO_RE.test(name)) void this.#load(name, true);
    });
    this.#watcher.on('error', (e) => this.#warn(`watching ${this.dir} failed: ${e.message}`));
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  get size(): number {
    return this.#entries.size;
  }

  async *listValidPaths(): AsyncIterable<StorePath> {
    for (const e of [...this.#entries.values()]) yield e.storePath;
  }

  async queryPathInfos(hashParts: readonly string[]): Promise<Map<string, ServedPathInfo>> {
    const out = new Map<string, ServedPathInfo>();
    for (const h of hashParts) {
      const e = this.#entries.get(h);
      if (e) out.set(h, e);
    }
    return out;
  }

  subscribe(listener: (event: PathEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async openNar(hashPart: string, options?: AbortOptions): Promise<NarStream | undefined> {
    const e = this.#entries.get(hashPart);
    if (!e) return undefined;
    let fh;
    try {
      fh = await open(join(this.dir, e.url), 'r');
    } catch {
      return undefined;
    }
    const file = fh.createReadStream({ highWaterMark: 256 * 1024, ...(options?.signal ? { signal: options.signal } : {}) });
    const chunks = e.compression === 'zstd' ? file.pipe(createZstdDecompress()) : file;
    file.on('error', (err) => chunks.destroy(err));
    return { narSize: e.narSize, chunks: chunks as Readable as AsyncIterable<Uint8Array> };
  }

  /** (Re)read one narinfo file; a vanished file removes the path. */
  async #load(name: string, notify: boolean): Promise<void> {
    const hashPart = name.slice(0, 32);
    let text: string;
    try {
      text = await readFile(join(this.dir, name), 'utf8');
    } catch {
      const old = this.#entries.get(hashPart);
      if (old && this.#entries.delete(hashPart) && notify) this.#emit({ type: 'removed', path: old.storePath });
      return;
    }
    const entry = this.#parse(name, hashPart, text);
    if (!entry) return;
    const fresh = !this.#entries.has(hashPart);
    this.#entries.set(hashPart, entry);
    if (fresh && notify) this.#emit({ type: 'added', path: entry.storePath });
  }

  /** The few narinfo fields serving needs (full parsing and checking is the client's job). */
  #parse(name: string, hashPart: string, text: string): CacheEntry | undefined {
    const fields = new Map<string, string>();
    for (const line of text.split('\n')) {
      const i = line.indexOf(': ');
      if (i > 0 && !fields.has(line.slice(0, i))) fields.set(line.slice(0, i), line.slice(i + 2));
    }
    const bad = (why: string): undefined => { this.#warn(`skipping ${join(this.dir, name)}: ${why}`); return undefined; };
    const storePathText = fields.get('StorePath') ?? '';
    const base = storePathText.slice(storePathText.lastIndexOf('/') + 1);
    let storePath: StorePath;
    try {
      storePath = new StorePath(base);
    } catch (e) {
      return bad(`invalid StorePath: ${(e as Error).message}`);
    }
    if (storePath.hashPart !== hashPart) return bad(`StorePath ${base} does not match the file name`);
    const url = fields.get('URL') ?? '';
    const norm = normalize(url);
    if (url === '' || norm.startsWith('..') || norm.startsWith(sep)) return bad(`URL '${url}' is not a relative path inside the cache`);
    // An absent Compression field means bzip2 (nar-info.cc), which Node cannot decompress.
    const compression = fields.get('Compression') ?? 'bzip2';
    if (compression !== 'none' && compression !== 'zstd') return bad(`Compression '${compression}' is not served (only none and zstd)`);
    const narSize = Number(fields.get('NarSize'));
    if (!Number.isSafeInteger(narSize) || narSize <= 0) return bad(`invalid NarSize '${fields.get('NarSize') ?? ''}'`);
    return { storePath, narSize, narinfo: text, url: norm, compression };
  }

  #emit(e: PathEvent): void {
    for (const l of this.#listeners) l(e);
  }
}
