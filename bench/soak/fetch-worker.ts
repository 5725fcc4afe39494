/**
 * Worker process of the serve and closure scenarios: hosts a `FetcherPool` and answers the
 * orchestrator's calls (start, inventories, fetch, verify, memory) over IPC.
 *
 *   forked by bench/soak/serve.ts and closure.ts; argv: none, env SOAK_WORK = work dir
 */

import { FetcherPool } from './fetchers.ts';
import { memoryOf, serveCalls } from './ipc.ts';

const pool = new FetcherPool(process.env.SOAK_WORK!);

serveCalls({
  start: async (p) => await pool.start(p.count as number, p.prefix as string, p.providers as string[]),
  inventories: async (p) => await pool.awaitInventories(p.providers as string[], p.timeoutMs as number | undefined),
  fetch: async (p) => await pool.fetch(p.round as number, p.paths as string[], p.stallTimeoutMs as number, p.again === true),
  verify: async (p) => await pool.verify(p.paths as string[]),
  memory: async () => memoryOf(process.pid),
  stop: async () => await pool.stop(),
});
