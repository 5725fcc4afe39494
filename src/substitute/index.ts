/** Public surface of substitution for cli/ and node/. */
export * from './substituter.ts';
export * from './substitute.ts';
export * from './binary-cache.ts';
export * from './file-transport.ts';
export * from './open.ts';
