/**
 * `npm run bench:p2p`: the lookup benchmark, then the NAR transfer benchmark, each in its
 * own process so that neither's nodes load the other. Arguments:
 *
 *   node bench/p2p/run.ts [NODES=6] [PATHS=2000] [QUERY=1000] [SIZE_MIB=256]
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const [nodes = '6', paths = '2000', query = '1000', size = '256'] = process.argv.slice(2);
for (const [script, args] of [['lookup.ts', [nodes, paths, query]], ['transfer.ts', [size]]] as const) {
  const r = spawnSync(process.execPath, ['--no-warnings', join(import.meta.dirname, script), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
