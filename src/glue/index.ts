/** Public surface of src/glue for cli/ and node/: where the evaluator meets the filesystem and the store. */
export { NodeEvalHost, defaultSystem, type NodeEvalHostOptions } from './eval-host.ts';
export { loadNixConfig, parseNixPath, type NixConfig } from './nix-config.ts';
export { StoreWrites, flushStoreWrites, StoreWriteMismatchError, type StoreWrite } from './store-writes.ts';
export { instantiate, type InstantiateRequest, type InstantiatedDerivation, type Instantiation } from './instantiate.ts';
export { resolveExprPath } from './expr-path.ts';
export { instantiateToStore, writeToStore, type InstantiateToStoreOptions } from './instantiate-to-store.ts';
export { renderNixError } from './render-error.ts';
// The store layout alone, without the local store's modules (instantiate --eval never opens the store).
export { resolveStoreLayout, type StoreLayout } from '../store/local/layout.ts';
export { autoArgs, exprInputs, searchPath, type ExprSources } from './command-inputs.ts';
export { latin1 } from './latin1.ts';
