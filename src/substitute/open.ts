/**
 * Substituters from the `substituters` setting: URIs with optional `?priority=N` and
 * `?trusted=1`. Nix: `StoreReference` parsing for binary-cache stores. Only `file://` is
 * handled here so far; other schemes are reported and skipped, as Nix skips a substituter
 * it cannot open.
 */

import { InvalidValueError } from '../errors.ts';
import type { StoreDir } from '../store/store-dir.ts';
import { BinaryCacheSubstituter } from './binary-cache.ts';
import { FileTransport } from './file-transport.ts';
import type { Substituter } from './substituter.ts';

/** Open one substituter by URI. */
export async function openSubstituter(uri: string, storeDir: StoreDir): Promise<Substituter> {
  const url = new URL(uri);
  const prio = url.searchParams.get('priority');
  const opts = { priority: prio === null ? undefined : Number(prio), trusted: url.searchParams.get('trusted') === '1' };
  if (url.protocol === 'file:') {
    const base = `file://${url.pathname}`;
    return BinaryCacheSubstituter.open(new FileTransport(base, decodeURIComponent(url.pathname)), storeDir, opts);
  }
  throw new InvalidValueError('E_SUBSTITUTER', `substituter '${uri}' is not supported yet (only file:// binary caches are)`);
}

/** Open every configured substituter; those that fail are reported through `warn` and left out. */
export async function openSubstituters(uris: readonly string[], storeDir: StoreDir, warn: (m: string) => void): Promise<Substituter[]> {
  const out: Substituter[] = [];
  for (const uri of uris) {
    if (uri === '') continue;
    try {
      out.push(await openSubstituter(uri, storeDir));
    } catch (e) {
      warn(`ignoring substituter '${uri}': ${(e as Error).message}`);
    }
  }
  return out;
}
