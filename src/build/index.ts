/** Public surface of the builder for cli/ and node/. */
export * from './errors.ts';
export * from './events.ts';
export * from './constants.ts';
export type { BuildStore, NewPath, BuiltOutput } from './build-store.ts';
export { realise, type RealiseOptions, type RealiseTarget } from './realise.ts';
export { openBuildSession, type BuildSettings, type SessionIo } from './session.ts';
export { BwrapSandbox, findBwrap } from './sandbox-bwrap.ts';
export { NoSandbox } from './sandbox-none.ts';
export type { Sandbox } from './sandbox.ts';
export { logTail } from './build-log.ts';
export { openLocalBuildStore, type LocalBuildStore, type OpenLocalBuildStoreOptions } from './local-build-store.ts';
export { repairPaths, type RepairOutcome, type RepairOptions } from './repair.ts';
