/** Public surface of the local store's I/O layer for node/ and cli/. */
export * from './fs-source.ts';
export * from './fs-sink.ts';
export * from './nar-fs.ts';
export * from './fd-chunks.ts';
export * from './sys-error.ts';
