/**
 * An in-memory `PathInfoSource` + `NarSource`: paths with their narinfo text and NAR bytes
 * held in a Map (tvix's `MemoryPathInfoService` in spirit). Benchmarks use it to give a node
 * 100,000 paths without a store on disk; tests use it beside the binary-cache directory
 * source. Adding and removing paths fires the subscription events a real store fires.
 */

import type { StorePath } from '../../store/store-path.ts';
import type { AbortOptions, NarSource, NarStream, PathEvent, PathInfoSource, ServedPathInfo } from './types.ts';

interface Entry {
  info: ServedPathInfo;
  nar: Uint8Array | undefined;
}

/** NAR bytes are handed out in chunks of this size, like a file read. */
const CHUNK = 64 * 1024;

export class MemoryPathSource implements PathInfoSource, NarSource {
  readonly #paths = new Map<string, Entry>();
  readonly #listeners = new Set<(e: PathEvent) => void>();

  get size(): number {
    return this.#paths.size;
  }

  /** Make a path valid (its NAR is optional for announce-only uses) and tell subscribers. */
  add(info: ServedPathInfo, nar?: Uint8Array): void {
    const fresh = !this.#paths.has(info.storePath.hashPart);
    this.#paths.set(info.storePath.hashPart, { info, nar });
    if (fresh) this.#emit({ type: 'added', path: info.storePath });
  }

  /** Make a path invalid (as garbage collection would) and tell subscribers. */
  remove(hashPart: string): boolean {
    const e = this.#paths.get(hashPart);
    if (!e) return false;
    this.#paths.delete(hashPart);
    this.#emit({ type: 'removed', path: e.info.storePath });
    return true;
  }

  async *listValidPaths(options?: AbortOptions): AsyncIterable<StorePath> {
    let n = 0;
    for (const e of [...this.#paths.values()]) {
      if (++n % 4096 === 0) options?.signal?.throwIfAborted();
      yield e.info.storePath;
    }
  }

  async queryPathInfos(hashParts: readonly string[]): Promise<Map<string, ServedPathInfo>> {
    const out = new Map<string, ServedPathInfo>();
    for (const h of hashParts) {
      const e = this.#paths.get(h);
      if (e) out.set(h, e.info);
    }
    return out;
  }

  subscribe(listener: (event: PathEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async openNar(hashPart: string): Promise<NarStream | undefined> {
    const e = this.#paths.get(hashPart);
    if (!e?.nar) return undefined;
    const nar = e.nar;
    return {
      narSize: nar.length,
      chunks: (async function* () {
        for (let i = 0; i < nar.length; i += CHUNK) yield nar.subarray(i, Math.min(nar.length, i + CHUNK));
      })(),
    };
  }

  #emit(e: PathEvent): void {
    for (const l of this.#listeners) l(e);
  }
}
