/**
 * mDNS discovery on a LAN: three hosts on one bridge (network namespaces the test makes,
 * tests/support/netns-lan.ts), no `--peer` anywhere. A and B run with mDNS (the default) and
 * must find and connect to each other; B then substitutes a path A holds, found through
 * that connection alone. C runs with `--no-mdns`: nobody discovers it and it discovers
 * nobody. Needs root for the namespaces; skipped where they cannot be made.
 */

import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { NETNS_SKIP } from '../../support/netns.ts';
import { NetLan } from '../../support/netns-lan.ts';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';
import { fileNar, madeUpPath, makeKey, signedPath } from '../../support/signed-paths.ts';
import { runTixAsync } from '../../support/tix-cli.ts';

describe('mDNS discovery on a LAN', { skip: NETNS_SKIP, timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-mdns-e2e-'));
  const team = makeKey('team-mdns-1', 41);
  const env = { TIX_CONF: '/dev/null' };
  const path = signedPath(madeUpPath('mdns-shared'), fileNar('found on the LAN\n'), team.secret);
  const nodes: NodeProcess[] = [];
  let lan: NetLan | undefined;
  let a: NodeProcess, b: NodeProcess, c: NodeProcess;

  const isPeer = async (n: NodeProcess, other: NodeProcess): Promise<boolean> => (await n.refresh()).peers.some((p) => p.peerId === other.peerId);

  before(async () => {
    lan = NetLan.create(3);
    const sig = /^Sig: (.*)$/m.exec(path.narinfo)![1]!;
    const restored = await runTixAsync(['store', 'restore', '--store', join(work, 'a'), path.printed, '--nar-hash', path.narHash, '--sig', sig], { input: Buffer.from(path.nar), env });
    assert.equal(restored.status, 0, restored.stderr);
    const start = async (i: number, mdns: boolean): Promise<NodeProcess> => {
      const host = lan!.hosts[i]!;
      const n = await NodeProcess.start({
        prefix: host.prefix, listen: `/ip4/${host.addr}/tcp/0`, mdns, env,
        args: ['--store', join(work, 'abc'[i]!), '--option', 'trusted-public-keys', team.publicKey],
      });
      nodes.push(n);
      return n;
    };
    [a, b, c] = await Promise.all([start(0, true), start(1, true), start(2, false)]);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    lan?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('connects two nodes that have mDNS on, with no --peer given', async () => {
    // A query goes out at start and every 10 s after; both sides must list the other.
    await waitFor('A and B to discover each other', async () => ((await isPeer(a, b)) && (await isPeer(b, a)) ? true : undefined), 45_000, 250);
    assert.ok((await a.refresh()).peers.find((p) => p.peerId === b.peerId)!.addresses.some((x) => x.includes(`/ip4/${lan!.hosts[1]!.addr}/`)));
  });

  it('substitutes a path from the node mDNS found', async () => {
    const r = await runTixAsync(['copy', '--from', 'p2p', '--state', b.stateDir, path.printed], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(storeLayout(join(work, 'b')).realStoreDir, path.path.toString())));
  });

  it('neither finds nor is found by a node started with --no-mdns', async () => {
    // A and B have each sent at least one query since C started (they found each other).
    assert.deepEqual((await c.refresh()).peers, []);
    assert.ok(!(await isPeer(a, c)), 'A lists C');
    assert.ok(!(await isPeer(b, c)), 'B lists C');
  });
});
