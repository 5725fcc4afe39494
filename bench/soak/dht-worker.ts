/**
 * Worker process of the "dht" scenario: hosts a `DhtNodes` group and answers the
 * orchestrator's calls over IPC.   forked by bench/soak/dht.ts; env SOAK_WORK, SOAK_PATHS
 */

import { DhtNodes } from './dht-nodes.ts';
import { memoryOf, serveCalls } from './ipc.ts';

const nodes = new DhtNodes(process.env.SOAK_WORK!, Number(process.env.SOAK_PATHS ?? 50));

serveCalls({
  join: async (p) => await nodes.join(p.index as number, p.bootstrap as string[]),
  leave: async (p) => await nodes.leave(p.index as number),
  infos: async () => nodes.infos(),
  targets: async (p) => nodes.setTargets(p.indices as number[]),
  startLookups: async (p) => nodes.startLookups(p.concurrency as number, p.seed as number, p.timeoutMs as number),
  stopLookups: async () => await nodes.stopLookups(),
  memory: async () => memoryOf(process.pid),
  stop: async () => await nodes.stopAll(),
});
