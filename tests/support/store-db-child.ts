/**
 * A child process for the multi-process store DB tests. It opens the DB at argv[2] and
 * plays one role, reporting on stdout one JSON object per line:
 *
 *   hold                 attach (owner or follower) and stay until stdin closes
 *   write PREFIX N       register N paths PREFIX0..PREFIX{N-1}, each referring to the previous
 *   read PREFIX          query PREFIX* paths until stdin closes, counting errors
 *   lock NAME            take lock NAME, report, hold it until stdin closes
 *   root SEED            add a temp root on fakePath(SEED), hold it until stdin closes
 *   latency N            time N puts and N gets, print microseconds per operation
 */

import { openStoreDb } from '../../src/store/local/shared-db.ts';
import { fakeInfo, fakePath } from './fake-paths.ts';

const [dir, role, a1, a2] = process.argv.slice(2) as [string, string, string?, string?];
const out = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const stdinClosed = new Promise<void>((r) => {
  process.stdin.on('end', r).on('close', r).resume();
});

const db = await openStoreDb({ dbDir: `${dir}/db`, socketPath: `${dir}/db.sock` }, { fsync: false });
out({ attached: true, owner: db.isOwner, pid: process.pid });

switch (role) {
  case 'hold':
    await stdinClosed;
    break;
  case 'write': {
    const n = Number(a2);
    let prev: ReturnType<typeof fakePath> | undefined;
    for (let i = 0; i < n; i++) {
      const p = fakePath(`${a1}${i}`, `${a1}${i}`);
      await db.registerValidPaths([fakeInfo(p, prev ? [prev] : [])]);
      prev = p;
      out({ wrote: i });
    }
    break;
  }
  case 'read': {
    let reads = 0;
    let found = 0;
    let done = false;
    void stdinClosed.then(() => (done = true));
    while (!done) {
      const p = fakePath(`${a1}${reads % 50}`, `${a1}${reads % 50}`);
      if (await db.queryPathInfo(p)) found++;
      reads++;
      if (reads % 50 === 0) out({ reads, found });
    }
    out({ reads, found, final: true });
    break;
  }
  case 'lock':
    await db.lockPaths([a1!]);
    out({ locked: a1 });
    await stdinClosed;
    break;
  case 'root':
    await db.addTempRoots([fakePath(a1!)]);
    out({ rooted: a1 });
    await stdinClosed;
    break;
  case 'latency': {
    const n = Number(a1);
    const paths = Array.from({ length: n }, (_, i) => fakePath(`lat${process.pid}.${i}`));
    let t = performance.now();
    for (const p of paths) await db.registerValidPaths([fakeInfo(p)]);
    const put = ((performance.now() - t) * 1000) / n;
    t = performance.now();
    for (const p of paths) await db.isValidPath(p);
    const get = ((performance.now() - t) * 1000) / n;
    t = performance.now();
    for (const p of paths) await db.queryPathInfo(p);
    const info = ((performance.now() - t) * 1000) / n;
    out({ owner: db.isOwner, putUs: put, isValidUs: get, queryPathInfoUs: info });
    break;
  }
}
out({ end: true, attachCount: db.attachCount });
await db.close();
process.stdin.destroy();
