/** Public surface of src/config for node/ and cli/. */
export * from './parse.ts';
export * from './settings.ts';
export * from './load.ts';
export { hostContext, hostSystem } from './host.ts';
