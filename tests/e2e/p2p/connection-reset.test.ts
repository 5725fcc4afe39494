/**
 * Connections reset below libp2p: each provider is reached only through a loopback TCP
 * proxy (tests/support/tcp-proxy.ts), which RSTs every connection to the provider that is
 * sending while its NAR is on the wire. The fetching node (a real `tix node start`) sees
 * ECONNRESET under its encrypted, multiplexed connection, drops that provider and
 * substitutes from the other one, or reports the failure when no other is left; its store
 * verifies clean and holds no temporary either way.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { BUILD_SKIP } from '../../support/build.ts';
import { addRandomTree, assertNothingPartial, copyFrom, firstSender, startFetcher, startProvider, tix } from '../../support/net-faults.ts';
import { type NodeProcess, waitFor } from '../../support/p2p-node.ts';
import { TcpProxy } from '../../support/tcp-proxy.ts';

/** A provider and the proxy that is the fetching node's only way to it. */
interface Proxied {
  node: NodeProcess;
  proxy: TcpProxy;
}

describe('connections reset mid-transfer', { skip: BUILD_SKIP, timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-netfault-reset-'));
  const root = (n: string): string => join(work, n);
  const nodes: NodeProcess[] = [];
  const proxies: TcpProxy[] = [];
  let b: NodeProcess;
  let both: string;
  let onlyP1: string;

  async function proxied(name: string): Promise<Proxied> {
    const node = await startProvider(root(name));
    nodes.push(node);
    const port = Number(/\/tcp\/(\d+)\//.exec(node.address)![1]);
    const proxy = await TcpProxy.start('127.0.0.1', port);
    proxies.push(proxy);
    return { node, proxy };
  }

  /** Connect B to each provider through its proxy and wait for the inventories. */
  async function connectThrough(ps: Proxied[]): Promise<void> {
    for (const p of ps) await b.control((c) => c.connect(`/ip4/127.0.0.1/tcp/${p.proxy.port}/p2p/${p.node.peerId}`));
    await waitFor('B to see every provider\'s inventory', async () => {
      const peers = (await b.refresh()).peers;
      return ps.every((p) => peers.some((q) => q.peerId === p.node.peerId && (q.paths ?? 0) > 0)) ? true : undefined;
    });
  }

  /** Wait until the NAR visibly flows through `p`'s proxy (so the reset lands mid-transfer). */
  async function flowing(p: Proxied): Promise<void> {
    const start = p.proxy.downstreamBytes;
    await waitFor('NAR bytes through the proxy', () => (p.proxy.downstreamBytes - start > 64 * 1024 ? true : undefined), 20_000, 5);
  }

  before(async () => {
    both = await addRandomTree(work, 'both', 512 * 1024, [root('p1'), root('p2')]);
    onlyP1 = await addRandomTree(work, 'only-p1', 512 * 1024, [root('p1')]);
    b = await startFetcher(root('b'), { bulk: false });
    nodes.push(b);
  });

  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  it('falls back to the other provider when the sending one\'s connection is reset', async (t) => {
    const ps = [await proxied('p1'), await proxied('p2')];
    await connectThrough(ps);
    const copy = copyFrom(b, both);
    const sender = await firstSender(ps.map((p) => p.node), both);
    const victim = ps.find((p) => p.node === sender)!;
    await flowing(victim);
    const n = victim.proxy.resetAll();
    const at = performance.now();
    const r = await copy;
    t.diagnostic(`reset ${n} connection(s); copy finished ${Math.round(performance.now() - at)} ms after the reset`);
    assert.ok(n > 0);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${both}\n`);
    assert.match(r.stderr, new RegExp(`rejected '${both}' from ${victim.node.peerId}`));
    t.diagnostic(r.stderr.split('\n').find((l) => l.startsWith('rejected')) ?? '');
    assert.equal((await tix(['store', 'path-info', '--store', root('b'), both])).status, 0);
    await assertNothingPartial(root('b'));
    for (const p of ps) await p.node.stop();
  });

  // A reset alone is a passing failure: the fetcher asks the provider again after 1 s and 3 s
  // (peer-substitute.ts RETRY_DELAYS_MS) and would get the path. Here the provider is gone
  // for good after the reset, so every retry fails too.
  it('reports the failure when the only provider\'s connection is reset and it does not come back, leaving nothing behind', async (t) => {
    const p1 = await proxied('p1');
    await connectThrough([p1]);
    const copy = copyFrom(b, onlyP1);
    await firstSender([p1.node], onlyP1);
    await flowing(p1);
    const n = p1.proxy.resetAll();
    const at = performance.now();
    await p1.node.stop();
    const r = await copy;
    t.diagnostic(`reset ${n} connection(s); copy failed ${Math.round(performance.now() - at)} ms after the reset`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`'${onlyP1}'|${onlyP1.slice('/nix/store/'.length)}`));
    assert.notEqual((await tix(['store', 'path-info', '--store', root('b'), onlyP1])).status, 0);
    await assertNothingPartial(root('b'));
  });
});
