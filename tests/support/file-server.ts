/**
 * A loopback static file server for tests that run tix or Nix with spawnSync: starts
 * `http-file-server-child.ts` on a directory in its own process and waits for its port.
 * `stop()` closes the child's stdin; `killAll()` from child.ts still reaps it.
 */

import { join } from 'node:path';
import { type Child, spawnChild } from './child.ts';

const SCRIPT = join(import.meta.dirname, 'http-file-server-child.ts');

export interface FileServer {
  /** `http://127.0.0.1:PORT`, serving `root`. */
  readonly url: string;
  readonly child: Child;
  stop(): void;
}

/** Serve `root` over HTTP on an ephemeral loopback port. */
export async function startFileServer(root: string): Promise<FileServer> {
  const child = spawnChild(SCRIPT, [root]);
  const { port } = await child.next((l) => 'port' in l, 10_000);
  return { url: `http://127.0.0.1:${port as number}`, child, stop: () => child.closeStdin() };
}
