/**
 * Garbage collector roots, as Nix keeps them (Nix: `LocalStore::findRoots`,
 * `addIndirectRoot`, `addPermRoot`). Under `<state>/gcroots/`, searched recursively
 * without following symlinked directories:
 *
 * - a symlink whose target is in the store (`/nix/store/<hash>-x[/sub/path]`) roots that path;
 * - a symlink elsewhere is an indirect root: it names a link outside (a `result` symlink),
 *   and that link's target roots its store path. A dangling indirect root under
 *   `gcroots/auto/` is stale and removed;
 * - a regular file named like a store path roots that path.
 *
 * Indirect roots live in `gcroots/auto/<nix32 sha1 of the link's path>`, so `-o result`
 * style links anywhere keep their path alive while they exist. Targets may be written
 * with the logical store dir or, for a chroot store, with its physical one.
 */

import { lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { hashBytes } from '../../hash/digest.ts';
import type { StorePath } from '../store-path.ts';
import type { StoreContext } from './store-context.ts';

export interface GcRoot {
  /** The file that keeps the path alive (a link in gcroots/, or a `result` link it points to). */
  readonly link: string;
  readonly path: StorePath;
}

export interface FindRootsResult {
  readonly roots: GcRoot[];
  /** Stale indirect roots removed on the way. */
  readonly removed: string[];
}

/** All roots under the store's gcroots directory. */
export function findRoots(ctx: Pick<StoreContext, 'layout' | 'storeDir'>, opts: { removeStale?: boolean } = {}): FindRootsResult {
  const out: FindRootsResult = { roots: [], removed: [] };
  const autoDir = `${ctx.layout.gcRootsDir}/auto/`;
  const toStorePath = (target: string): StorePath | undefined => {
    for (const dir of [ctx.storeDir.dir, ctx.layout.realStoreDir]) {
      if (target.startsWith(dir + '/')) {
        try {
          return ctx.storeDir.parsePathWithin(ctx.storeDir.dir + target.slice(dir.length)).storePath;
        } catch {
          return undefined;
        }
      }
    }
    return undefined;
  };
  const visit = (path: string): void => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) visit(`${path}/${name}`);
    } else if (st.isSymbolicLink()) {
      const target = readlinkSync(path);
      const direct = toStorePath(target);
      if (direct) {
        out.roots.push({ link: path, path: direct });
        return;
      }
      const abs = isAbsolute(target) ? target : resolve(dirname(path), target);
      let st2;
      try {
        st2 = lstatSync(abs);
      } catch {
        if (path.startsWith(autoDir) && (opts.removeStale ?? true)) {
          try {
            unlinkSync(path);
            out.removed.push(path);
          } catch {
            // someone else removed it
          }
        }
        return;
      }
      if (!st2.isSymbolicLink()) return;
      const indirect = toStorePath(readlinkSync(abs));
      if (indirect) out.roots.push({ link: abs, path: indirect });
    } else if (st.isFile()) {
      const name = path.slice(path.lastIndexOf('/') + 1);
      const p = ctx.storeDir.tryParsePath(`${ctx.storeDir.dir}/${name}`);
      if (p) out.roots.push({ link: path, path: p });
    }
  };
  visit(ctx.layout.gcRootsDir);
  return out;
}

/** Name under gcroots/auto/ of the indirect root for `link`. */
export function indirectRootName(link: string): string {
  return hashBytes('sha1', link).nix32;
}

/** Register `link` (an absolute path outside the store) as an indirect root. Nix: `addIndirectRoot`. */
export function addIndirectRoot(ctx: Pick<StoreContext, 'layout'>, link: string): string {
  const abs = resolve(link);
  const dir = `${ctx.layout.gcRootsDir}/auto`;
  mkdirSync(dir, { recursive: true });
  const root = `${dir}/${indirectRootName(abs)}`;
  replaceSymlink(abs, root);
  return root;
}

/**
 * Make `link` a symlink to `path` that keeps it alive (`nix-build -o`, `--add-root`): a
 * link inside gcroots/ is a direct root, any other gets an indirect root. Nix: `addPermRoot`.
 */
export function addPermRoot(ctx: Pick<StoreContext, 'layout' | 'storeDir'>, path: StorePath, link: string): string {
  const abs = resolve(link);
  replaceSymlink(ctx.storeDir.printPath(path), abs);
  if (!abs.startsWith(ctx.layout.gcRootsDir + '/')) addIndirectRoot(ctx, abs);
  return abs;
}

/** Point `link` at `target`, replacing an existing link atomically. */
function replaceSymlink(target: string, link: string): void {
  const tmp = `${link}.tmp-${process.pid}`;
  try {
    unlinkSync(tmp);
  } catch {
    // absent
  }
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}
