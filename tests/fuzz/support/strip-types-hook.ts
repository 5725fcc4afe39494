/**
 * ESM loader hook: hands Jazzer.js's instrumentor plain JavaScript for `.ts` modules.
 *
 * Node 24 loads `.ts` files as format `module-typescript` and strips the types after the
 * loader hooks ran; Jazzer.js only instruments format `module`. Registered before
 * Jazzer's hook (so it runs after it in the chain, next to Node's default loader), this
 * strips the types first (whitespace in place of types, so positions stay the same) and
 * reports plain `module`.
 */

import { stripTypeScriptTypes } from 'node:module';

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context: unknown) => Promise<LoadResult>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  if (result.format !== 'module-typescript' || result.source == null) return result;
  const code = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  return { ...result, format: 'module', source: stripTypeScriptTypes(code) };
}
