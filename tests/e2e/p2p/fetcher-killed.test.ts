/**
 * The fetching side killed (SIGKILL) while a NAR is on the wire: the node process doing
 * the substitution, or the `tix copy --from p2p` client that asked it. Afterwards the
 * fetching store holds nothing half-made (no temporary once the store is opened again,
 * no half-registered path, `tix store verify --all --check-contents` clean), and the
 * retried substitution completes: through a node started again on the same store, or
 * through the same node. Providers are paced (tests/support/paced-node.ts) so the kill
 * lands mid-transfer.
 */

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { addRandomTree, assertNothingPartial, connect, copyFrom, firstSender, startFetcher, startProvider, tix } from '../../support/net-faults.ts';
import { type NodeProcess, waitFor } from '../../support/p2p-node.ts';
import { TIX_BIN } from '../../support/tix-cli.ts';

describe('the fetching side killed mid-substitution', { skip: BUILD_SKIP, timeout: 180_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-netfault-fkill-'));
  const root = (n: string): string => join(work, n);
  const nodes: NodeProcess[] = [];
  let providers: NodeProcess[];
  let paths: string[];

  before(async () => {
    paths = [];
    for (const name of ['node-killed', 'client-killed']) paths.push(await addRandomTree(work, name, 512 * 1024, [root('p1'), root('p2')]));
    providers = await Promise.all([startProvider(root('p1')), startProvider(root('p2'))]);
    nodes.push(...providers);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  const temporaries = (r: string): string[] => {
    const dir = storeLayout(r).tempDir;
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  /** Wait until the node is restoring a NAR into the store's temporary area. */
  const importing = (r: string): Promise<true> => waitFor('the NAR import to start', () => (temporaries(r).length > 0 ? true : undefined), 20_000, 5);

  it('leaves a clean store when the node is killed, and a node started again completes the substitution', async (t) => {
    const path = paths[0]!;
    const b = await startFetcher(root('b1'));
    nodes.push(b);
    await connect(b, providers);
    const copy = copyFrom(b, path);
    await firstSender(providers, path);
    await importing(root('b1'));
    process.kill(b.status.pid, 'SIGKILL');
    const r = await copy;
    assert.notEqual(r.status, 0, 'the copy cannot succeed once its node is dead');
    const left = temporaries(root('b1'));
    t.diagnostic(`killed the node mid-import; temporaries it left: ${left.length}; tix copy said: ${r.stderr.trim().split('\n')[0]}`);
    assert.ok(left.length > 0, 'the kill landed while the NAR was being restored');
    await b.stop();
    // Opening the store (verify does) removes the dead node's temporaries.
    assert.notEqual((await tix(['store', 'path-info', '--store', root('b1'), path])).status, 0, 'nothing half-registered');
    await assertNothingPartial(root('b1'));

    const again = await startFetcher(root('b1'));
    nodes.push(again);
    await connect(again, providers);
    const at = performance.now();
    const retry = await copyFrom(again, path);
    t.diagnostic(`retry through a new node on the same store: ${Math.round(performance.now() - at)} ms`);
    assert.equal(retry.status, 0, retry.stderr);
    assert.equal(retry.stdout, `${path}\n`);
    await assertNothingPartial(root('b1'));
    await again.stop();
  });

  it('leaves a clean store when the tix copy client is killed, and the retry completes', async (t) => {
    const path = paths[1]!;
    const b = await startFetcher(root('b2'));
    nodes.push(b);
    await connect(b, providers);
    const client = spawn(TIX_BIN, ['copy', '--from', 'p2p', '--state', b.stateDir, path], { stdio: 'ignore', env: { ...process.env, TIX_CONF: '/dev/null' } });
    const exited = new Promise<string | null>((r) => client.once('exit', (_c, s) => r(s)));
    await firstSender(providers, path);
    await importing(root('b2'));
    client.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    // The node may finish the substitution it was asked for or abandon it; either way
    // it must stay healthy and the retry must end with the path valid.
    const at = performance.now();
    const retry = await copyFrom(b, path);
    t.diagnostic(`retry through the same node: ${Math.round(performance.now() - at)} ms`);
    assert.equal(retry.status, 0, retry.stderr);
    assert.equal(retry.stdout, `${path}\n`);
    await waitFor('the node to be idle', async () => (temporaries(root('b2')).length === 0 ? true : undefined), 20_000);
    await b.stop();
    await assertNothingPartial(root('b2'));
  });
});
