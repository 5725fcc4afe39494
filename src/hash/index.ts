/** Public surface of src/hash for node/ and cli/. */
export * from './algo.ts';
export * from './nix32.ts';
export * from './hash.ts';
export * from './compress.ts';
export * from './digest.ts';
