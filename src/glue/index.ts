/** Public surface of src/glue for cli/ and node/: where the evaluator meets the filesystem and the store. */
export { NodeEvalHost, defaultSystem, type NodeEvalHostOptions } from './eval-host.ts';
export { loadNixConfig, parseNixPath, type NixConfig } from './nix-config.ts';
