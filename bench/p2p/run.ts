/**
 * `npm run bench:p2p`: the lookup benchmark, then the NAR transfer benchmark, each in its
 * own process so that neither's nodes load the other. `--scale` runs the scale benchmark
 * (many nodes over several processes, scale.ts) instead. Arguments:
 *
 *   node bench/p2p/run.ts [NODES=6] [PATHS=2000] [QUERY=1000] [SIZE_MIB=256]
 *   node bench/p2p/run.ts --scale [NODES=20] [PATHS=5000] [PROCS=4] [QUERY=1000]
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const scale = argv.includes('--scale');
const args = argv.filter((a) => a !== '--scale');
const runs: Array<readonly [string, string[]]> = [];
if (scale) {
  runs.push(['scale.ts', args]);
} else {
  const [nodes = '6', paths = '2000', query = '1000', size = '256'] = args;
  runs.push(['lookup.ts', [nodes, paths, query]], ['transfer.ts', [size]]);
}
for (const [script, a] of runs) {
  const r = spawnSync(process.execPath, ['--no-warnings', join(import.meta.dirname, script), ...a], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
