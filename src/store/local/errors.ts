/**
 * Errors of the local store. Each carries a stable `code` and, where one is involved, the
 * store path (printed by cli/output.ts after the message).
 */

import type { TixError } from '../../errors.ts';

export class StoreError extends Error implements TixError {
  override readonly name: string = 'StoreError';
  readonly code: string;
  /** The absolute store path concerned, when there is one. */
  readonly storePath: string | undefined;

  constructor(code: string, message: string, options: { storePath?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.storePath = options.storePath;
  }
}

/** The store database cannot be reached (no owner answers and none can be started). */
export class StoreDbUnavailableError extends StoreError {
  override readonly name = 'StoreDbUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_STORE_DB_UNAVAILABLE', message, options);
  }
}

/** A path the operation needs is not valid in the store. */
export class InvalidPathError extends StoreError {
  override readonly name = 'InvalidPathError';
  constructor(path: string, message = `path '${path}' is not valid`) {
    super('E_INVALID_PATH', message, { storePath: path });
  }
}

/**
 * The store's LevelDB cannot be read: a damaged or garbled file in the DB directory. The
 * message names the directory and what to do (`tix store repair-db`).
 */
export class StoreDbCorruptError extends StoreError {
  override readonly name = 'StoreDbCorruptError';
  readonly dbDir: string;
  constructor(dbDir: string, detail: string, options: { cause?: unknown } = {}) {
    super(
      'E_STORE_DB_CORRUPT',
      `the store database in '${dbDir}' is damaged: ${detail}\n` +
        `Stop every tix process using this store, then run 'tix store repair-db' (with the same --store) ` +
        `to rebuild it from what is readable, and 'tix store verify --all --check-contents' after it.`,
      options,
    );
    this.dbDir = dbDir;
  }
}
