/**
 * A private network (`--psk-file swarm.key`): four real nodes on loopback. A and B share the
 * team's key; C has none and D has another key. B connects to A; C and D cannot connect to
 * A at all (the pre-shared-key handshake fails before any tix protocol runs), and A never
 * lists them as peers.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';

const swarmKey = (byte: number): string => `/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.alloc(32, byte).toString('hex')}\n`;

describe('nodes in a pre-shared-key private network', () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-psk-e2e-'));
  const nodes: NodeProcess[] = [];
  let a: NodeProcess;

  const start = async (name: string, psk?: string): Promise<NodeProcess> => {
    const args = ['--store', join(work, name)];
    if (psk) {
      writeFileSync(join(work, `${name}.key`), psk);
      args.push('--psk-file', join(work, `${name}.key`));
    }
    const n = await NodeProcess.start({ args });
    nodes.push(n);
    return n;
  };

  before(async () => {
    a = await start('a', swarmKey(0x11));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  it('connects a node that has the team key', async () => {
    const b = await start('b', swarmKey(0x11));
    await b.control((c) => c.connect(a.address));
    await waitFor('A to list B as a peer', async () => ((await a.refresh()).peers.some((p) => p.peerId === b.peerId) ? true : undefined), 10_000);
  });

  for (const [name, psk] of [['c', undefined], ['d', swarmKey(0x22)]] as const) {
    it(`refuses a node with ${psk ? 'another key' : 'no key'}`, async () => {
      const n = await start(name, psk);
      // The dial fails in the handshake (a reset, or multistream-select reading ciphertext).
      await assert.rejects(n.control((c) => c.connect(a.address)));
      const peers = (await a.refresh()).peers.map((p) => p.peerId);
      assert.ok(!peers.includes(n.peerId), `A lists ${n.peerId} as a peer`);
      assert.deepEqual((await n.refresh()).peers, []);
    });
  }
});
