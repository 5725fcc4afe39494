/**
 * What the store operations (add, import, closure, GC, verify) need from an open store:
 * its layout, its DB handle and its temp area. `LocalStore` is one; tests may build
 * another over the same parts.
 */

import type { StoreDir } from '../store-dir.ts';
import type { StorePath } from '../store-path.ts';
import type { StoreLayout } from './layout.ts';
import type { StoreDb } from './store-db.ts';
import type { TempArea } from './temp-area.ts';

export interface StoreContext {
  readonly layout: StoreLayout;
  readonly storeDir: StoreDir;
  readonly db: StoreDb;
  readonly temp: TempArea;
}

/** Where the files of `path` really are. */
export function realPathOf(ctx: Pick<StoreContext, 'layout'>, path: StorePath): string {
  return `${ctx.layout.realStoreDir}/${path.baseName}`;
}
