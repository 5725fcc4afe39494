/**
 * Opening the local store a command works on: settings (tix.conf, `--option`, `--store`)
 * decide the layout; the store is closed by `withStore` when the command is done, which
 * hands the DB over to another running tix process if this one owned it.
 */

import type { Settings } from '../src/config/index.ts';
import { LocalStore, resolveStoreLayout } from '../src/store/local/index.ts';
import type { ParsedArgs } from './args.ts';
import { commandSettings } from './settings.ts';

export async function withStore<T>(args: ParsedArgs, fn: (store: LocalStore, settings: Settings) => Promise<T>): Promise<T> {
  const settings = commandSettings(args);
  const store = await LocalStore.open(resolveStoreLayout(settings.store), { fsync: settings.fsyncMetadata });
  try {
    return await fn(store, settings);
  } finally {
    await store.close();
  }
}
