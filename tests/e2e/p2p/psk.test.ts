/**
 * A private network (`--psk-file swarm.key`): four real nodes on loopback. A and B share the
 * team's key; C has none and D has another key. B connects to A; C and D cannot connect to
 * A at all (the pre-shared-key handshake fails before any tix protocol runs), and A never
 * lists them as peers. E is inside the network but signs with its own key, which A does
 * not trust: A connects to it and sees its inventory, yet accepts none of its paths. A
 * path of several MiB goes from B to A over the bulk channel, whose key B sent inside the
 * PSK-protected connection.
 */

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';
import { fileNar, madeUpPath, makeKey, signedPath } from '../../support/signed-paths.ts';
import { runTixAsync } from '../../support/tix-cli.ts';

const swarmKey = (byte: number): string => `/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.alloc(32, byte).toString('hex')}\n`;

describe('nodes in a pre-shared-key private network', () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-psk-e2e-'));
  const nodes: NodeProcess[] = [];
  let a: NodeProcess;
  let b: NodeProcess;
  /** Base names A substituted from B (the insider's must not join them). */
  const fromB: string[] = [];

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
    b = await start('b', swarmKey(0x11));
    await b.control((c) => c.connect(a.address));
    await waitFor('A to list B as a peer', async () => ((await a.refresh()).peers.some((p) => p.peerId === b.peerId) ? true : undefined), 10_000);
  });

  it('substitutes a large path from a member over the bulk channel', async () => {
    const env = { TIX_CONF: '/dev/null' };
    const file = join(work, 'big.bin');
    writeFileSync(file, randomBytes(3 * 1024 * 1024));
    // `store add` makes a content-addressed path: it proves itself without a signature.
    const added = await runTixAsync(['store', 'add', '--store', join(work, 'b'), file], { env });
    assert.equal(added.status, 0, added.stderr);
    const path = String(added.stdout).trim();
    fromB.push(path.slice(path.lastIndexOf('/') + 1));
    await waitFor('A to see B\'s path', async () => ((await a.refresh()).peers.some((x) => x.peerId === b.peerId && (x.paths ?? 0) > 0) ? true : undefined), 15_000);
    const r = await runTixAsync(['copy', '--from', 'p2p', '--state', a.stateDir, path], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await b.refresh()).transfers.bulkNarsServed, 1);
    const v = await runTixAsync(['store', 'verify', '--store', join(work, 'a'), '--check-contents', path], { env });
    assert.equal(v.status, 0, v.stderr);
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

  it('accepts nothing from a node inside the network whose signing key is not trusted', async () => {
    // E's path: input-addressed (no CA to prove it), signed only by E's own key.
    const insider = makeKey('insider-1', 7);
    const p = signedPath(madeUpPath('psk-insider-build'), fileNar('built by an insider\n'), insider.secret);
    const sig = /^Sig: (.*)$/m.exec(p.narinfo)![1]!;
    const env = { TIX_CONF: '/dev/null' };
    const restored = await runTixAsync(['store', 'restore', '--store', join(work, 'e'), p.printed, '--nar-hash', p.narHash, '--sig', sig], { input: Buffer.from(p.nar), env });
    assert.equal(restored.status, 0, restored.stderr);
    writeFileSync(join(work, 'e.key'), swarmKey(0x11));
    const e = await NodeProcess.start({ args: ['--store', join(work, 'e'), '--psk-file', join(work, 'e.key')] });
    nodes.push(e);
    await e.control((c) => c.connect(a.address));
    await waitFor('A to hold E\'s inventory', async () => ((await a.refresh()).peers.some((x) => x.peerId === e.peerId && (x.paths ?? 0) > 0) ? true : undefined), 10_000);
    const r = await runTixAsync(['copy', '--from', 'p2p', '--state', a.stateDir, '-v', p.printed], { env });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`rejected '${p.printed}' from ${e.peerId}: .*signed only by keys that are not trusted: 'insider-1'`));
    const real = storeLayout(join(work, 'a')).realStoreDir;
    assert.deepEqual(existsSync(real) ? readdirSync(real).filter((n) => !n.startsWith('.') && !fromB.includes(n)) : [], []);
    const v = await runTixAsync(['store', 'verify', '--store', join(work, 'a'), '--all', '--check-contents'], { env });
    assert.equal(v.status, 0, v.stderr);
    const pen = (await a.refresh()).penalties.find((x) => x.peerId === e.peerId);
    assert.equal(pen?.lastKind, 'untrusted');
  });
});
