/** Public surface of the pure trust decision for node/ and cli/. */
export * from './verdict.ts';
