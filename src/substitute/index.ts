/** Public surface of src/substitute for node/ and cli/. */
export * from './p2p/wire.ts';
export * from './p2p/types.ts';
export * from './p2p/errors.ts';
export * from './p2p/bloom.ts';
export * from './p2p/keys.ts';
export * from './p2p/frame-stream.ts';
export * from './p2p/memory-source.ts';
export * from './p2p/inventory-client.ts';
export * from './p2p/narinfo-client.ts';
export * from './p2p/nar-client.ts';
export * from './p2p/control.ts';
export * from './binary-cache-dir.ts';
export { decodeNix32, encodeNix32 } from '../hash/nix32.ts';
export { concatBytes } from '../util/bytes.ts';
export type { StorePath } from '../store/store-path.ts';
