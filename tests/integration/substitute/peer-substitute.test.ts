/**
 * PeerSubstitution against real libp2p peers in this process, with the provider order
 * fixed so that the lying peers are always asked first: each lie (changed NAR, truncated
 * NAR, narinfo without signature or content address) is refused, the honest peer after them is used,
 * and the store holds the right path and no temporary.
 */

import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TixNode } from '../../../node/daemon.ts';
import { hostDialer } from '../../../node/dialer.ts';
import { createTixHost, type TixHost } from '../../../node/host.ts';
import { createLogger } from '../../../node/log.ts';
import { parsePublicKey, StoreDir } from '../../../src/store/index.ts';
import { LocalStore, storeLayout } from '../../../src/store/local/index.ts';
import { MemoryPathSource, PeerSubstitution, type PeerImporter } from '../../../src/substitute/index.ts';
import { makeNixCache, type NixCache } from '../../support/nix-cache.ts';
import { NIX_SKIP } from '../../support/nix.ts';

const quiet = createLogger('test', () => {});
const storeDir = new StoreDir('/nix/store');

async function servingNode(fill: (m: MemoryPathSource) => void): Promise<TixNode> {
  const source = new MemoryPathSource();
  fill(source);
  const node = await TixNode.create(
    { stateDir: mkdtempSync(join(tmpdir(), 'tix-peer-sub-')), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, persistent: false, controlSocket: false },
    { source, nars: source, log: quiet },
  );
  await node.start();
  return node;
}

describe('PeerSubstitution', { skip: NIX_SKIP }, () => {
  let cache: NixCache;
  let nodes: TixNode[] = [];
  let client: TixHost;
  let store: LocalStore;
  let root: string;

  before(async () => {
    cache = makeNixCache('none');
    const honest = (m: MemoryPathSource): void => {
      for (const p of cache.paths) m.add({ storePath: storeDir.parsePath(p.storePath), narSize: p.narSize, narinfo: p.narinfo }, p.nar);
    };
    const changed = (m: MemoryPathSource): void => {
      for (const p of cache.paths) {
        const nar = p.nar.slice();
        nar[nar.length >> 1] ^= 1; // file contents for the big path, NAR structure for the small ones
        m.add({ storePath: storeDir.parsePath(p.storePath), narSize: p.narSize, narinfo: p.narinfo }, nar);
      }
    };
    const truncated = (m: MemoryPathSource): void => {
      for (const p of cache.paths) m.add({ storePath: storeDir.parsePath(p.storePath), narSize: p.narSize, narinfo: p.narinfo }, p.nar.subarray(0, p.nar.length >> 1));
    };
    const unsigned = (m: MemoryPathSource): void => {
      for (const p of cache.paths) m.add({ storePath: storeDir.parsePath(p.storePath), narSize: p.narSize, narinfo: p.narinfo.replace(/^(Sig|CA): .*\n/gm, '') }, p.nar);
    };
    nodes = await Promise.all([changed, truncated, unsigned, honest].map(servingNode));
    client = await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false });
    await client.start();
    for (const n of nodes) await client.dial(multiaddr(n.host.getMultiaddrs()[0]!));
    root = mkdtempSync(join(tmpdir(), 'tix-peer-sub-store-'));
    store = await LocalStore.open(storeLayout(root));
  });

  after(async () => {
    await client?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await store?.close();
    rmSync(root, { recursive: true, force: true });
    cache?.dispose();
  });

  it('refuses each lying peer in turn and takes every path from the honest one', async () => {
    const ids = nodes.map((n) => n.host.peerId.toString());
    const importer: PeerImporter = {
      queryValidPaths: (paths) => store.db.queryValidPaths(paths),
      importNar: async (path, nar, info, o) => {
        await store.importNar(path, nar, { narHash: info.narHash, narSize: info.narSize, references: info.references, sigs: info.sigs, ca: info.ca, signal: o.signal });
      },
    };
    const key = parsePublicKey(cache.publicKey, 'trusted-public-keys');
    const rejected: [string, string][] = [];
    const run = new PeerSubstitution({
      finder: { findProviders: async (hs) => new Map(hs.map((h) => [h, ids])) },
      dialer: hostDialer(client),
      store: importer,
      policy: { trustedKeys: new Map([[key.name, key]]), requireSigs: true, storeDir },
      onReject: (p, peer, reason) => rejected.push([peer, reason]),
    });
    const paths = cache.paths.map((p) => storeDir.parsePath(p.storePath));
    const r = await run.run(paths);
    assert.deepEqual(Object.fromEntries(r.failed), {});
    for (const p of paths) assert.equal(r.substituted.get(p.baseName), ids[3], `${p.baseName} from liar ${ids.indexOf(r.substituted.get(p.baseName)!)}; ${JSON.stringify(rejected)}`);
    // Every path was refused by each liar, for its own reason.
    const reasons = (peer: string) => rejected.filter(([p]) => p === peer).map(([, why]) => why);
    for (const why of reasons(ids[0]!)) assert.match(why, /hash mismatch importing path|bad archive/);
    assert.ok(reasons(ids[0]!).some((why) => /hash mismatch importing path/.test(why)));
    for (const why of reasons(ids[1]!)) assert.match(why, /size|truncat|end of/i);
    for (const why of reasons(ids[2]!)) assert.match(why, /not signed by any of the keys/);
    assert.equal(rejected.length, 3 * paths.length, JSON.stringify(rejected));
    for (const p of cache.paths) {
      const info = await store.db.queryPathInfo(storeDir.parsePath(p.storePath));
      assert.equal(info?.narSize, p.narSize);
      assert.deepEqual(info?.sigs, [/^Sig: (.*)$/m.exec(p.narinfo)![1]]);
    }
    assert.deepEqual(readdirSync(store.layout.tempDir), []);
  });

  it('reports a path no provider has, and leaves it invalid', async () => {
    const run = new PeerSubstitution({
      finder: { findProviders: async () => new Map() },
      dialer: hostDialer(client),
      store: { queryValidPaths: async () => [], importNar: async () => { throw new Error('not reached'); } },
      policy: { trustedKeys: new Map(), requireSigs: true, storeDir },
    });
    const missing = storeDir.parsePath('/nix/store/00000000000000000000000000000000-missing');
    const r = await run.run([missing]);
    assert.match(r.failed.get(missing.baseName)!, /no peer provides it/);
  });
});
