/** Public surface of src/util for node/ and cli/. */
export * from './bytes.ts';
export * from './byte-string.ts';
export * from './base64.ts';
export * from './json-writer.ts';
