/**
 * False DHT provider records: three in-process nodes that find each other's paths only
 * through the DHT (no inventories: `maxNeighbours: 0`, `forceDht`). The liar announces two
 * paths it does not have and answers "yes" to the have-request that confirms a provider;
 * the honest node has one of them. The fetching node must move on from the liar at its
 * first answer (no narinfo), substitute the shared path from the honest node, fail the
 * other at once, and record the liar's false claims as `missing` (no penalty).
 */

import { multiaddr } from '@multiformats/multiaddr';
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TixNode, type TixNodeComponents } from '../../../node/daemon.ts';
import { createLogger } from '../../../node/log.ts';
import { parsePublicKey, type StorePath } from '../../../src/store/index.ts';
import { LocalStore, storeLayout } from '../../../src/store/local/index.ts';
import { MemoryPathSource, type AbortOptions, type PathEvent } from '../../../src/substitute/index.ts';
import { waitFor } from '../../support/p2p-node.ts';
import { fileNar, madeUpPath, makeKey, signedPath, storeDir } from '../../support/signed-paths.ts';

const quiet = createLogger('test', () => {});

/** A source that also lists paths it does not have (what its inventory and DHT records claim). */
class ClaimingSource extends MemoryPathSource {
  readonly claimed: StorePath[] = [];
  readonly #listeners = new Set<(e: PathEvent) => void>();
  override async *listValidPaths(options?: AbortOptions): AsyncIterable<StorePath> {
    yield* super.listValidPaths(options);
    yield* this.claimed;
  }
  override subscribe(listener: (e: PathEvent) => void): () => void {
    this.#listeners.add(listener);
    const off = super.subscribe(listener);
    return () => { this.#listeners.delete(listener); off(); };
  }
  /** Claim `p` as if it had become valid (announced to the DHT like any new path). */
  claim(p: StorePath): void {
    this.claimed.push(p);
    for (const l of this.#listeners) l({ type: 'added', path: p });
  }
}

describe('false DHT provider records', () => {
  const team = makeKey('team-1', 1);
  const shared = signedPath(madeUpPath('dht-shared'), fileNar('the honest node has this\n'), team.secret);
  const phantom = madeUpPath('dht-phantom');
  const nodes: TixNode[] = [];
  let client: TixNode;
  let liar: TixNode;
  let honest: TixNode;
  let store: LocalStore;
  let root: string;

  const start = async (source: MemoryPathSource, substitution?: TixNodeComponents['substitution']): Promise<TixNode> => {
    const node = await TixNode.create(
      { stateDir: mkdtempSync(join(tmpdir(), 'tix-dht-liar-')), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, persistent: false, controlSocket: false, forceDht: true, maxNeighbours: 0 },
      { source, nars: source, log: quiet, substitution },
    );
    await node.start();
    nodes.push(node);
    return node;
  };

  before(async () => {
    const lying = new ClaimingSource();
    const honestSource = new MemoryPathSource();
    liar = await start(lying);
    honest = await start(honestSource);
    root = mkdtempSync(join(tmpdir(), 'tix-dht-liar-store-'));
    store = await LocalStore.open(storeLayout(root));
    const key = parsePublicKey(team.publicKey, 'trusted-public-keys');
    client = await start(new MemoryPathSource(), {
      store: {
        queryValidPaths: (paths) => store.db.queryValidPaths(paths),
        importNar: async (path, nar, info, o) => { await store.importNar(path, nar, { narHash: info.narHash, narSize: info.narSize, references: info.references, sigs: info.sigs, signal: o.signal }); },
      },
      policy: { trustedKeys: new Map([[key.name, key]]), requireSigs: true, storeDir },
    });
    for (const n of [liar, honest]) await client.host.dial(multiaddr(n.host.getMultiaddrs()[0]!));
    await liar.host.dial(multiaddr(honest.host.getMultiaddrs()[0]!));
    const tableSize = (n: TixNode): number => (n.host.services.dht as unknown as { routingTable: { size: number } }).routingTable.size;
    await waitFor('every DHT routing table to hold the other two', () => (nodes.every((n) => tableSize(n) >= 2) ? true : undefined), 20_000);
    // Paths added now are swept into the DHT within a second (the sweep at start had no peers).
    honestSource.add({ storePath: shared.path, narSize: shared.narSize, narinfo: shared.narinfo }, shared.nar);
    lying.claim(shared.path);
    lying.claim(phantom);
    // Both providers' records must be in the DHT before the lookup.
    await waitFor('the DHT to list both providers of the shared path', async () => {
      const p = (await client.lookup.findProviders([shared.path.hashPart])).get(shared.path.hashPart) ?? [];
      return p.length === 2 ? p : undefined;
    }, 30_000, 500);
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('finds the liar through the DHT, moves on at its first answer and substitutes from the honest node', async (t) => {
    assert.equal(client.inventory.neighbours.size, 0, 'no inventories: the DHT is the only source');
    const t0 = Date.now();
    const r = await client.substitute([storeDir.printPath(shared.path), storeDir.printPath(phantom)]);
    t.diagnostic(`done in ${Date.now() - t0} ms`);
    assert.deepEqual(r.substituted, { [shared.path.baseName]: honest.host.peerId.toString() });
    assert.match(r.failed[phantom.baseName]!, /the peer does not have it/);
    const liarId = liar.host.peerId.toString();
    for (const x of r.rejected) {
      assert.equal(x.peer, liarId);
      assert.equal(x.kind, 'missing');
    }
    assert.ok(r.rejected.some((x) => x.path === storeDir.printPath(phantom)));
    const pen = client.penalties.status(Date.now()).find((p) => p.peerId === liarId)!;
    assert.equal(pen.lies, 0);
    assert.equal(pen.bannedPaths, 0);
    assert.equal(client.penalties.skipReason(liarId, phantom.hashPart, Date.now()), undefined, 'a false claim is no lie: not skipped');
    assert.deepEqual(readdirSync(store.layout.tempDir), []);
    assert.equal((await store.db.queryValidPaths([phantom])).length, 0);
  });
});
