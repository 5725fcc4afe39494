/**
 * A separate process that realises derivations in a store and reports on stdout as JSON
 * lines: `{"event":"build-started","drv":…}`, `{"event":"build-succeeded","drv":…,"fresh":…}`,
 * then `{"done":exitStatus}`. Used by the multi-process build tests.
 *
 *   node realise-child.ts STORE_ROOT DRV_BASE_NAME...
 */

import { BUILD_SKIP, TestStore } from './build.ts';
import { StorePath } from '../../src/store/index.ts';

if (BUILD_SKIP) throw new Error(BUILD_SKIP);
const [root, ...drvs] = process.argv.slice(2);
const t = await TestStore.openExisting(root!);
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
say({ event: 'opened' });
const r = await t.realise(
  drvs.map((d) => ({ drvPath: new StorePath(d) })),
  { maxJobs: 2 },
  {},
  (e) => {
    if (e.type === 'build-started') say({ event: e.type, drv: e.drvPath.baseName });
    if (e.type === 'build-succeeded') say({ event: e.type, drv: e.drvPath.baseName, fresh: e.fresh });
  },
);
say({ done: r.result.exitStatus });
await t.store.close();
