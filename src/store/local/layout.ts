/**
 * Where a local store keeps its files. The logical store dir (`/nix/store` by default) is
 * what paths are made from; the physical root is either `/` (the real `/nix/store`) or a
 * chroot directory ROOT, so that `/nix/store/X` lives at `ROOT/nix/store/X` exactly as with
 * Nix's `--store ROOT` / `local?root=ROOT`. Beside the store, under `ROOT/nix/var/tix/`:
 *
 *   db/          LevelDB: path infos, referrers, derivation outputs, locks, temp roots
 *   db.sock      socket of the process that has the DB open (see db-owner.ts)
 *   gcroots/     GC roots: symlinks to store paths; gcroots/auto/ holds indirect roots
 *   log/         build logs, `log/<drv base name>[.zst]` (see log-store.ts)
 *   keys/        the node's signing key, when tix makes one
 *
 * and in the store dir itself `.tix-tmp/` for paths being added (a rename into place must
 * stay on one filesystem).
 *
 * The real `/nix/store` is used only when it is writable *and* no Nix installation manages
 * it (`/nix/var/nix/db` absent): two databases describing one directory would let either
 * garbage collector delete the other's paths.
 */

import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STORE_DIR, StoreDir } from '../store-dir.ts';
import { StoreError } from './errors.ts';

export interface StoreLayout {
  /** The logical store directory paths are made from. */
  readonly storeDir: StoreDir;
  /** Physical root: '' for the real store, else the chroot directory. */
  readonly root: string;
  /** Where the store's files really are: `root + storeDir.dir`. */
  readonly realStoreDir: string;
  readonly stateDir: string;
  readonly dbDir: string;
  readonly gcRootsDir: string;
  readonly logDir: string;
  readonly keysDir: string;
  /** Temporary entries of paths being added, inside the real store dir. */
  readonly tempDir: string;
  /** Unix socket of the DB owner. */
  readonly socketPath: string;
}

/** Longest socket path we bind (sun_path holds 108 bytes including the NUL). */
const MAX_SOCKET_PATH = 100;

/** The layout of a store rooted at `root` ('' = the real filesystem). */
export function storeLayout(root: string, opts: { storeDir?: string; stateDir?: string } = {}): StoreLayout {
  const r = root === '/' ? '' : root.replace(/\/+$/, '');
  const storeDir = new StoreDir(opts.storeDir ?? DEFAULT_STORE_DIR);
  const realStoreDir = r + storeDir.dir;
  const stateDir = opts.stateDir ?? `${r}/nix/var/tix`;
  let socketPath = join(stateDir, 'db.sock');
  if (socketPath.length > MAX_SOCKET_PATH) {
    // Too long for sun_path: a per-user directory in the temp dir, named by the state dir.
    const tag = createHash('sha256').update(stateDir).digest('hex').slice(0, 20);
    socketPath = join(tmpdir(), `tix-${process.getuid?.() ?? 0}`, `${tag}.sock`);
  }
  return {
    storeDir,
    root: r,
    realStoreDir,
    stateDir,
    dbDir: join(stateDir, 'db'),
    gcRootsDir: join(stateDir, 'gcroots'),
    logDir: join(stateDir, 'log'),
    keysDir: join(stateDir, 'keys'),
    tempDir: join(realStoreDir, '.tix-tmp'),
    socketPath,
  };
}

export interface ResolveLayoutOptions {
  /** `HOME`, `XDG_DATA_HOME`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Override of the probe "is the real store usable?" (tests). */
  readonly realStoreUsable?: () => boolean;
}

/**
 * The layout named by the `store` setting:
 *   `auto`                       the real /nix/store if usable, else ~/.local/share/tix/root
 *   `/DIR` or `local?root=/DIR`  a chroot store under DIR
 *   `local`                      the real /nix/store (fails if Nix manages it)
 * `local?…` also takes `store=` (logical store dir) and `state=` (state dir), as Nix does.
 */
export function resolveStoreLayout(store: string, opts: ResolveLayoutOptions = {}): StoreLayout {
  const env = opts.env ?? process.env;
  const usable = opts.realStoreUsable ?? realStoreUsable;
  if (store === 'auto' || store === '') return usable() ? storeLayout('') : storeLayout(defaultChrootRoot(env));
  if (store.startsWith('/')) return storeLayout(store);
  const m = /^local(?:\?(.*))?$/.exec(store);
  if (!m) throw new StoreError('E_STORE_URL', `store '${store}' is not supported: expected 'auto', 'local', 'local?root=DIR' or an absolute directory`);
  const params = new URLSearchParams(m[1] ?? '');
  for (const k of params.keys()) {
    if (!['root', 'store', 'state'].includes(k)) throw new StoreError('E_STORE_URL', `unknown parameter '${k}' in store '${store}'`);
  }
  const root = params.get('root') ?? '';
  if (root !== '' && !root.startsWith('/')) throw new StoreError('E_STORE_URL', `store root '${root}' must be an absolute path`);
  if (root === '' && !usable()) {
    throw new StoreError('E_STORE_URL', `the real ${DEFAULT_STORE_DIR} is not writable or is managed by Nix (/nix/var/nix/db exists); use a chroot store (--store DIR)`);
  }
  return storeLayout(root, { storeDir: params.get('store') ?? undefined, stateDir: params.get('state') ?? undefined });
}

/** `$XDG_DATA_HOME/tix/root`, by default `~/.local/share/tix/root`. */
export function defaultChrootRoot(env: Readonly<Record<string, string | undefined>>): string {
  const data = env.XDG_DATA_HOME || (env.HOME ? join(env.HOME, '.local', 'share') : undefined);
  if (!data) throw new StoreError('E_STORE_URL', 'cannot find a place for the store: neither HOME nor XDG_DATA_HOME is set');
  return join(data, 'tix', 'root');
}

/** The real /nix/store is ours to use: it exists, we may write it, and Nix does not manage it. */
export function realStoreUsable(): boolean {
  try {
    accessSync(DEFAULT_STORE_DIR, constants.W_OK);
  } catch {
    return false;
  }
  return !existsSync('/nix/var/nix/db');
}
