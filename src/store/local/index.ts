/** Public surface of the local store's I/O layer for node/ and cli/. */
export * from './fs-source.ts';
export * from './fs-sink.ts';
export * from './nar-fs.ts';
export * from './fd-chunks.ts';
export * from './errors.ts';
export * from './layout.ts';
export * from './local-store.ts';
export type { PathInfoDb, StoreCoordinator, StoreDb, StoreDbEvent, InvalidateResult, LockOptions } from './store-db.ts';
export type { DrvOutputMapping } from './db-records.ts';
export type { AddToStoreOptions } from './add.ts';
export type { ImportNarOptions, ImportNarResult } from './import-nar.ts';
export type { GcEvent, GcOptions } from './gc.ts';
export type { GcRoot } from './gc-roots.ts';
export { describeProblem, type VerifyEvent, type VerifyOptions, type VerifyProblem } from './verify.ts';
export { closureSize, sortedPaths, topoSortPaths } from './closure.ts';
export { buildLogPath } from './log-store.ts';
export { CANONICAL_MTIME, canonicalisePath } from './canonicalise.ts';
export * from './sys-error.ts';
