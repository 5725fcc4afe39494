/** Public surface of the pure store formats for node/ and cli/. */
export * from './store-path.ts';
export * from './store-dir.ts';
export * from './content-address.ts';
export * from './drv/derivation.ts';
export * from './drv/aterm-parse.ts';
export * from './drv/aterm-print.ts';
export * from './drv/hash-modulo.ts';
export * from './drv/output-paths.ts';
export * from './drv/json.ts';
export * from './path-info.ts';
export * from './narinfo.ts';
export * from './signature/ed25519.ts';
export * from './signature/keys.ts';
export * from './signature/signature.ts';
