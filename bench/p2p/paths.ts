/**
 * Deterministic store paths for the P2P benchmarks: path `i` of node `n` is the text path of
 * the contents `bench node n path i`, made by the same `makeTextPath` the store uses, so the
 * orchestrator and every worker agree on them without sending lists around.
 */

import { hashBytes } from '../../src/hash/index.ts';
import { StoreDir, type StorePath } from '../../src/store/index.ts';

export const storeDir = new StoreDir('/nix/store');

export function benchPath(node: number, i: number): StorePath {
  return storeDir.makeTextPath(`bench-${node}-${i}`, hashBytes('sha256', `bench node ${node} path ${i}`));
}
