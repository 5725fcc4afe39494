/** Public surface of the pure store formats for node/ and cli/. */
export * from './store-path.ts';
export * from './store-dir.ts';
export * from './content-address.ts';
export * from './drv/derivation.ts';
export * from './drv/aterm-parse.ts';
export * from './drv/aterm-print.ts';
export * from './drv/hash-modulo.ts';
export * from './drv/output-paths.ts';
export * from './drv/instantiate.ts';
export * from './drv/json.ts';
export * from './path-info.ts';
export * from './narinfo.ts';
export * from './signature/ed25519.ts';
export * from './signature/keys.ts';
export * from './signature/signature.ts';
// NAR format (store/nar/). Its name limits are re-exported with a NAR_ prefix because
// store-path.ts has its own MAX_NAME_LEN (store path names, 211).
export {
  NAR_MAGIC,
  MAX_NAME_LEN as NAR_MAX_NAME_LEN,
  MAX_TARGET_LEN as NAR_MAX_TARGET_LEN,
  MAX_DEPTH as NAR_MAX_DEPTH,
  DEFAULT_NAR_LIMITS,
  type NarLimits,
  NarFormatError,
} from './nar/wire.ts';
export * from './nar/source.ts';
export * from './nar/writer.ts';
export * from './nar/sink.ts';
export * from './nar/reader.ts';
export * from './nar/listing.ts';
export * from './refscan.ts';
export * from './path-info-json.ts';
