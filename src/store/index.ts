/** Public surface of the pure store formats for node/ and cli/. */
export * from './store-path.ts';
export * from './store-dir.ts';
export * from './content-address.ts';
