/**
 * Real Nix's own local store as a substituter: `local`, `local?root=DIR` or an absolute
 * DIR in `substituters` (Nix's store URIs for a local store, DIR being a chroot store's
 * root), and automatically Nix's store at `nix-store-root` for content-addressed paths.
 * The path infos come from Nix's SQLite database (`DIR/nix/var/nix/db/db.sqlite`, opened
 * read-only, never locked or written) and the NARs from the files under `DIR/nix/store`.
 *
 * Nothing here is believed: the infos go through the same trust decision as any cache's
 * (a signature by a trusted key, `?trusted=1`, or a content address that proves the path —
 * the case of every `.drv` and source Nix wrote), and the store re-hashes the NAR against
 * the database's hash before the path becomes valid. Nix: `LocalStore::queryPathInfo`
 * over the `ValidPaths` and `Refs` tables.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { errorMessage, InvalidValueError } from '../errors.ts';
import { parseHash } from '../hash/hash.ts';
import { parseContentAddress } from '../store/content-address.ts';
import { dumpPath } from '../store/local/nar-fs.ts';
import type { StoreDir } from '../store/store-dir.ts';
import type { StorePath } from '../store/store-path.ts';
import type { SubstitutablePathInfo, Substituter } from './substituter.ts';

/** Before the P2P network (30) and cache.nixos.org (40): a local copy is the cheapest source. */
export const NIX_LOCAL_PRIORITY = 20;

/** Where Nix keeps its database, relative to the store's root (Nix's `NIX_STATE_DIR`). */
const DB_FILE = 'nix/var/nix/db/db.sqlite';

export interface NixLocalStoreOptions {
  readonly priority?: number | undefined;
  readonly trusted?: boolean | undefined;
  /** Offer only paths with a content address (the automatic substituter: no unsigned noise). */
  readonly contentAddressedOnly?: boolean;
}

/** The root a `local…` store URI names and its parameters, or undefined when `uri` is not one. */
export function parseNixLocalStoreUri(uri: string): { root: string; params: URLSearchParams } | undefined {
  if (!uri.startsWith('/') && uri !== 'local' && !uri.startsWith('local?')) return undefined;
  const q = uri.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : uri.slice(q + 1));
  return { root: uri.startsWith('/') ? uri.slice(0, q < 0 ? uri.length : q) : params.get('root') ?? '/', params };
}

/** True when `root` holds a Nix database this process can read. */
export function hasNixDatabase(root: string): boolean {
  return existsSync(join(root, DB_FILE));
}

interface PathRow {
  id: number;
  hash: string;
  narSize: number | null;
  deriver: string | null;
  sigs: string | null;
  ca: string | null;
}

export class NixLocalStoreSubstituter implements Substituter {
  readonly uri: string;
  readonly priority: number;
  readonly trusted: boolean;
  readonly #root: string;
  readonly #storeDir: StoreDir;
  readonly #caOnly: boolean;
  readonly #db: DatabaseSync;
  readonly #byPath: StatementSync;
  readonly #refs: StatementSync;

  private constructor(uri: string, root: string, storeDir: StoreDir, db: DatabaseSync, opts: NixLocalStoreOptions) {
    this.uri = uri;
    this.#root = root;
    this.#storeDir = storeDir;
    this.priority = opts.priority ?? NIX_LOCAL_PRIORITY;
    this.trusted = opts.trusted ?? false;
    this.#caOnly = opts.contentAddressedOnly ?? false;
    this.#db = db;
    this.#byPath = db.prepare('SELECT id, hash, narSize, deriver, sigs, ca FROM ValidPaths WHERE path = ?');
    this.#refs = db.prepare('SELECT v.path AS path FROM Refs r JOIN ValidPaths v ON v.id = r.reference WHERE r.referrer = ?');
  }

  /** Open the Nix store rooted at `root` (read-only); fails when it has no readable database. */
  static open(uri: string, root: string, storeDir: StoreDir, opts: NixLocalStoreOptions = {}): NixLocalStoreSubstituter {
    const file = join(root, DB_FILE);
    if (!existsSync(file)) throw new InvalidValueError('E_SUBSTITUTER', `no Nix database at '${file}'`);
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(file, { readOnly: true });
      // Nix holds its write lock only while it writes; a reader waits for it, briefly.
      db.exec('PRAGMA busy_timeout = 5000');
      return new NixLocalStoreSubstituter(uri, root, storeDir, db, opts);
    } catch (e) {
      db?.close();
      throw new InvalidValueError('E_SUBSTITUTER', `cannot read Nix's database '${file}': ${errorMessage(e)}`);
    }
  }

  async queryPathInfos(paths: readonly StorePath[]): Promise<Map<string, SubstitutablePathInfo>> {
    const out = new Map<string, SubstitutablePathInfo>();
    for (const p of paths) {
      const info = this.#info(p);
      if (info && (!this.#caOnly || info.ca)) out.set(p.baseName, info);
    }
    return out;
  }

  #info(path: StorePath): SubstitutablePathInfo | undefined {
    const printed = this.#storeDir.printPath(path);
    const row = this.#byPath.get(printed) as PathRow | undefined;
    if (!row) return undefined;
    // A path Nix lists but whose files are gone (a half-deleted store) is not offered.
    if (!existsSync(this.#physical(path))) return undefined;
    const bad = (what: string, e: unknown) => new InvalidValueError('E_SUBSTITUTER', `Nix's database at '${this.#root}' has a bad ${what} for '${printed}': ${errorMessage(e)}`);
    const parse = <T>(what: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw bad(what, e);
      }
    };
    const refs = (this.#refs.all(row.id) as { path: string }[]).map((r) => parse('reference', () => this.#storeDir.parsePath(r.path)));
    return {
      path,
      narHash: parse('hash', () => parseHash(row.hash)),
      narSize: row.narSize ?? 0,
      references: refs,
      deriver: row.deriver ? parse('deriver', () => this.#storeDir.parsePath(row.deriver!)) : undefined,
      sigs: row.sigs ? row.sigs.split(' ').filter((s) => s !== '') : [],
      ca: row.ca ? parse('content address', () => parseContentAddress(row.ca!)) : undefined,
    };
  }

  #physical(path: StorePath): string {
    return join(this.#root, this.#storeDir.printPath(path));
  }

  async *fetchNar(info: SubstitutablePathInfo): AsyncIterable<Uint8Array> {
    yield* dumpPath(this.#physical(info.path));
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
