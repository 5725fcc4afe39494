/**
 * In-process tix nodes on loopback for DHT tests: real libp2p hosts (TCP, noise, yamux,
 * kad-dht, the tix protocols) over an in-memory path source with `benchPath(index, k)`
 * paths, a LevelDB datastore in a temporary state dir (as `tix node start` keeps one; in
 * memory every provider lookup scans all records), no mDNS, no control socket. Every wait is bounded; `stopAll` always stops them.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPath, storeDir } from '../../bench/p2p/paths.ts';
import { TixNode, type TixNodeInit } from '../../node/daemon.ts';
import { silentLogger } from '../../node/log.ts';
import { MemoryPathSource } from '../../src/substitute/p2p/memory-source.ts';

export interface DhtTestNode {
  node: TixNode;
  source: MemoryPathSource;
  index: number;
}

export class DhtTestNetwork {
  readonly nodes: DhtTestNode[] = [];
  readonly #work = mkdtempSync(join(tmpdir(), 'tix-dht-test-'));

  /** Start node `index` holding `paths` paths, with every earlier node as a static peer. */
  async add(index: number, paths: number, init: Partial<TixNodeInit> = {}): Promise<DhtTestNode> {
    const source = new MemoryPathSource();
    for (let k = 0; k < paths; k++) addPath(source, index, k);
    const node = await TixNode.create({
      stateDir: join(this.#work, `n${index}`), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, controlSocket: false,
      forceDht: true, bootstrap: this.nodes.map((n) => n.node.host.getMultiaddrs()[0]!.toString()), ...init,
    }, { source, nars: source, log: silentLogger });
    const n = { node, source, index };
    this.nodes.push(n);
    await node.start();
    return n;
  }

  /** Wait until every node knows `peers` DHT peers that announced the bulk protocol (identify done). */
  async connected(peers = this.nodes.length - 1, timeoutMs = 20_000): Promise<void> {
    await waitUntil('routing tables and identify', async () => {
      for (const { node } of this.nodes) {
        const all = await node.host.peerStore.all({ filters: [(p) => p.protocols.includes('/tix/providers/1.0.0')] });
        if (all.filter((p) => !p.id.equals(node.host.peerId)).length < peers) return false;
      }
      return true;
    }, timeoutMs);
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.node.stop()));
    rmSync(this.#work, { recursive: true, force: true });
  }
}

export function addPath(source: MemoryPathSource, index: number, k: number): void {
  const p = benchPath(index, k);
  source.add({ storePath: p, narSize: 1, narinfo: `StorePath: ${storeDir.printPath(p)}\n` });
}

/** Hash parts of paths 0..count-1 of node `index`. */
export function hashParts(index: number, count: number): string[] {
  return Array.from({ length: count }, (_, k) => benchPath(index, k).hashPart);
}

/** Poll `f` every 50 ms until it is true; fail after `timeoutMs`. */
export async function waitUntil(what: string, f: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
