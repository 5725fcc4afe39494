/**
 * Substituters from the `substituters` setting: URIs with optional `?priority=N` and
 * `?trusted=1`. Nix: `StoreReference` parsing for binary-cache stores. `file://`, `http://`,
 * `https://`, `p2p:` (a running tix node) and Nix's local stores (`local`, `local?root=DIR`,
 * `/DIR`) are handled here; other schemes are reported
 * and skipped, as Nix skips a substituter it cannot open.
 */

import { join, resolve } from 'node:path';
import { InvalidValueError } from '../errors.ts';
import type { StoreDir } from '../store/store-dir.ts';
import { BinaryCacheSubstituter } from './binary-cache.ts';
import { FileTransport } from './file-transport.ts';
import { HttpTransport } from './http-transport.ts';
import { hasNixDatabase, NixLocalStoreSubstituter, parseNixLocalStoreUri } from './nix-local-store.ts';
import { NodeSubstituter } from './p2p/node-substituter.ts';
import type { Substituter } from './substituter.ts';

/** Where a running tix node is, for `p2p:` and the automatic P2P substituter. */
export interface NodeLocation {
  /** The node's state dir (its control socket). */
  readonly stateDir: string;
  /** The real directory of this store, where the node's substitutes appear. */
  readonly realStoreDir: string;
}

/** Transfer settings the substituters share. */
export interface SubstituterOptions {
  /** `stalled-download-timeout` in seconds: drop a transfer that brings nothing for this long; 0: never (default 300). */
  readonly stalledDownloadTimeout?: number;
  /**
   * `nix-store-root`: the root of real Nix's store on this machine ('' for none). Its
   * content-addressed paths (the `.drv` files and sources Nix wrote) are offered after the
   * configured substituters, when its store is not this one.
   */
  readonly nixStoreRoot?: string;
  /** The real directory of this store, to tell whether Nix's store is this one. */
  readonly realStoreDir?: string;
}

/** Open one substituter by URI. */
export async function openSubstituter(uri: string, storeDir: StoreDir, node?: NodeLocation, options: SubstituterOptions = {}): Promise<Substituter> {
  if (uri === 'p2p:' || uri === 'p2p') {
    if (!node) throw new InvalidValueError('E_SUBSTITUTER', `substituter '${uri}' needs a tix node`);
    return new NodeSubstituter(node.stateDir, storeDir, node.realStoreDir);
  }
  const local = parseNixLocalStoreUri(uri);
  const query = local?.params ?? new URL(uri).searchParams;
  const prio = query.get('priority');
  if (prio !== null && !/^-?\d+$/.test(prio)) throw new InvalidValueError('E_SUBSTITUTER', `substituter '${uri}': priority '${prio}' is not an integer`);
  const opts = { priority: prio === null ? undefined : Number(prio), trusted: query.get('trusted') === '1' };
  if (local) return NixLocalStoreSubstituter.open(uri, local.root, storeDir, opts);
  const url = new URL(uri);
  if (url.protocol === 'file:') {
    const base = `file://${url.pathname}`;
    return BinaryCacheSubstituter.open(new FileTransport(base, decodeURIComponent(url.pathname)), storeDir, opts);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    // The cache's URI as Nix prints it: without the query, without a trailing slash.
    const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    return BinaryCacheSubstituter.open(new HttpTransport(base, { stallTimeoutMs: (options.stalledDownloadTimeout ?? 300) * 1000 }), storeDir, opts);
  }
  throw new InvalidValueError('E_SUBSTITUTER', `substituter '${uri}' is not supported (tix knows file://, http://, https://, p2p: and Nix's local stores)`);
}

/**
 * Open every configured substituter; those that fail are reported through `warn` and left
 * out. With `node`, a running tix node is added as the `p2p:` substituter when the list
 * does not name it (tix build uses a running node automatically).
 */
export async function openSubstituters(uris: readonly string[], storeDir: StoreDir, warn: (m: string) => void, node?: NodeLocation, options: SubstituterOptions = {}): Promise<Substituter[]> {
  const out: Substituter[] = [];
  for (const uri of uris) {
    if (uri === '') continue;
    try {
      out.push(await openSubstituter(uri, storeDir, node, options));
    } catch (e) {
      warn(`ignoring substituter '${uri}': ${(e as Error).message}`);
    }
  }
  const auto = autoNixStore(storeDir, options, warn);
  if (auto && !out.some((s) => s.uri === auto.uri)) out.push(auto);
  else void auto?.close?.();
  if (node && !out.some((s) => s.uri === 'p2p:')) {
    const p2p = await NodeSubstituter.probe(node.stateDir, storeDir, node.realStoreDir);
    if (p2p) out.push(p2p);
  }
  return out;
}

/** The automatic `local?root=…` substituter for Nix's own store, when there is one to read. */
function autoNixStore(storeDir: StoreDir, options: SubstituterOptions, warn: (m: string) => void): Substituter | undefined {
  const root = options.nixStoreRoot ?? '';
  if (root === '' || !hasNixDatabase(root)) return undefined;
  const nixStore = join(root, storeDir.dir);
  if (options.realStoreDir !== undefined && resolve(options.realStoreDir) === resolve(nixStore)) return undefined;
  const uri = root === '/' ? 'local' : `local?root=${root}`;
  try {
    return NixLocalStoreSubstituter.open(uri, root, storeDir, { contentAddressedOnly: true });
  } catch (e) {
    warn(`not reading Nix's store at '${nixStore}': ${(e as Error).message}`);
    return undefined;
  }
}
