/**
 * Input attributes `fetchTree` accepts per type (upstream's `inputFromAttrs` checks), and the
 * `path` input's helpers.
 */

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HostError } from '../../lang/host.ts';

/** Attributes besides `type` each input type accepts. */
export const TREE_ATTRS: Record<string, readonly string[]> = {
  file: ['url', 'narHash', 'name', 'lastModified'],
  tarball: ['url', 'narHash', 'name', 'lastModified'],
  git: ['url', 'ref', 'rev', 'shallow', 'submodules', 'allRefs', 'name', 'narHash', 'lastModified', 'revCount', 'exportIgnore'],
  path: ['path', 'narHash', 'rev', 'revCount', 'lastModified'],
};

/** The absolute path of a `path` input (latin1). */
export function pathInputAttrs(args: ReadonlyMap<string, unknown>): string {
  const p = args.get('path');
  if (typeof p !== 'string') throw new HostError("attribute 'path' is missing in path input", 'E_FETCH_ATTR');
  if (!p.startsWith('/')) throw new HostError(`path '${p}' is not absolute`, 'E_FETCH_ATTR');
  return p;
}

/** The newest modification time (seconds) of `path` and everything below it, not following symlinks. */
export function newestMtime(path: string): number {
  let newest = 0;
  const stack = [Buffer.from(path, 'latin1').toString()];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      throw new HostError(`path '${path}' does not exist`, 'E_FETCH_PATH');
    }
    newest = Math.max(newest, Math.floor(st.mtimeMs / 1000));
    if (st.isDirectory()) for (const n of readdirSync(p)) stack.push(join(p, n));
  }
  return newest;
}
