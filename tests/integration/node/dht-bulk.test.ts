import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Stream } from '@libp2p/interface';
import { benchPath, storeDir } from '../../../bench/p2p/paths.ts';
import { PROVIDER_VALIDITY_MS, REPROVIDE_INTERVAL_MS } from '../../../node/constants.ts';
import { createTixHost, type TixHost } from '../../../node/host.ts';
import { decodeKadMessage, encodeKadMessage, KAD_ADD_PROVIDER, KAD_GET_PROVIDERS, KAD_PING, type KadMessage } from '../../../node/kad-message.ts';
import { getProviders } from '../../../node/kad-stream.ts';
import { streamChunks } from '../../../node/stream-chunks.ts';
import { FrameDecoder, storePathKey } from '../../../src/substitute/index.ts';
import { DhtTestNetwork, hashParts, waitUntil } from '../../support/dht-nodes.ts';

const key = (index: number, k: number): Uint8Array => storePathKey(storeDir.dir, benchPath(index, k).hashPart).multihash.bytes;

async function bareHost(bootstrap: string[] = []): Promise<TixHost> {
  const host = await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, bootstrap });
  await host.start();
  return host;
}

async function readAll(stream: Stream): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of streamChunks(stream)) out.push(c);
  return out;
}

describe('streamChunks()', { timeout: 30_000 }, () => {
  let a: TixHost;
  let b: TixHost;
  before(async () => {
    [a, b] = await Promise.all([bareHost(), bareHost()]);
  });
  after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
  });

  it('reads to the end a stream whose sender wrote everything and closed before the reader started', async () => {
    // The server starts reading only after the client's bytes and its close have arrived:
    // libp2p's own stream iterator then never ends (the second-sweep stall).
    await b.handle('/tix/test/late-reader', async (stream) => {
      await new Promise((r) => setTimeout(r, 300));
      const n = (await readAll(stream)).reduce((s, c) => s + c.length, 0);
      stream.send(new TextEncoder().encode(String(n)));
      await stream.close();
    });
    const stream = await a.dialProtocol(b.getMultiaddrs()[0]!, '/tix/test/late-reader');
    stream.send(new Uint8Array(200_000).fill(7));
    await stream.close();
    const reply = new TextDecoder().decode(Buffer.concat(await readAll(stream)));
    assert.equal(reply, '200000');
  });

  it('throws when the other side resets the stream instead of hanging', async () => {
    await b.handle('/tix/test/reset', async (stream) => {
      await new Promise((r) => setTimeout(r, 100));
      stream.abort(new Error('refused'));
    });
    const stream = await a.dialProtocol(b.getMultiaddrs()[0]!, '/tix/test/reset');
    stream.send(new Uint8Array(10));
    await assert.rejects(readAll(stream));
  });
});

describe('bulk provider records between nodes on loopback', { timeout: 120_000 }, () => {
  const net = new DhtTestNetwork();
  const PATHS = 1500;
  after(() => net.stopAll());

  it('stores and acknowledges every record in each of three consecutive sweeps', async () => {
    for (let i = 0; i < 3; i++) await net.add(i, PATHS);
    await net.connected();
    for (let sweep = 0; sweep < 3; sweep++) {
      const results = await Promise.all(net.nodes.map(({ node, index }) => node.announcer.sweep(hashParts(index, PATHS), AbortSignal.timeout(30_000))));
      for (const r of results) {
        assert.deepEqual({ records: r.records, unacknowledged: r.unacknowledged, failedPeers: r.failedPeers, missed: r.missed.length },
          { records: 2 * PATHS, unacknowledged: 0, failedPeers: 0, missed: 0 }, `sweep ${sweep + 1}`);
      }
    }
  });

  it('then finds every path through the batched DHT lookup from a node without neighbours', async () => {
    const q = await net.add(3, 0, { maxNeighbours: 0 });
    await net.connected();
    const wanted = [0, 1, 2].flatMap((i) => hashParts(i, PATHS));
    const found = await q.node.lookup.findProviders(wanted);
    assert.equal(q.node.lookup.stats.fromNeighbours, 0, 'nothing came from inventories');
    assert.equal(found.size, wanted.length);
    for (const i of [0, 1, 2]) {
      const owner = net.nodes[i]!.node.host.peerId.toString();
      for (const h of hashParts(i, PATHS)) assert.deepEqual(found.get(h), [owner], h);
    }
  });
});

describe('provider records for a plain kad-dht peer', { timeout: 60_000 }, () => {
  const net = new DhtTestNetwork();
  let plain: TixHost | undefined;
  after(async () => {
    await plain?.stop();
    await net.stopAll();
  });

  it('still sends ADD_PROVIDER, counted as unacknowledged, and the peer stores them', async () => {
    const a = await net.add(0, 200);
    plain = await bareHost([a.node.host.getMultiaddrs()[0]!.toString()]);
    const p = plain;
    await waitUntil('identify of the plain peer', async () => (await a.node.host.peerStore.get(p.peerId).catch(() => undefined))?.protocols.includes('/tix/kad/1.0.0') ?? false);
    const r = await a.node.announcer.sweep(hashParts(0, 200), AbortSignal.timeout(30_000));
    assert.deepEqual({ records: r.records, unacknowledged: r.unacknowledged, failedPeers: r.failedPeers }, { records: 0, unacknowledged: 200, failedPeers: 0 });
    const keys = Array.from({ length: 200 }, (_, k) => key(0, k));
    const self = a.node.host.peerId.toMultihash().bytes;
    await waitUntil('the plain peer to store all 200 records', async () => {
      const answers = await getProviders(a.node.host, p.peerId, keys, AbortSignal.timeout(10_000));
      return answers.length === 200 && answers.every((m) => m.providers.some((pi) => Buffer.compare(pi.id, self) === 0));
    }, 30_000);
  });
});

describe('re-announcing and withdrawing', { timeout: 60_000 }, () => {
  const net = new DhtTestNetwork();
  after(() => net.stopAll());

  it('re-announces far inside the records\' validity by default', () => {
    assert.ok(REPROVIDE_INTERVAL_MS <= PROVIDER_VALIDITY_MS / 2);
  });

  it('refreshes records at peers every reprovide interval and stops re-announcing a deleted path', async () => {
    const a = await net.add(0, 10, { reprovideIntervalMs: 1000 });
    const b = await net.add(1, 0);
    await net.connected();
    const stamp = (k: number): Promise<number | undefined> => b.node.providerRecords.storedAt(key(0, k), a.node.host.peerId);
    await waitUntil('first announcement', async () => (await stamp(0)) !== undefined && (await stamp(5)) !== undefined);
    const first = (await stamp(0))!;
    await waitUntil('a re-announcement', async () => (await stamp(0))! > first, 10_000);

    // GC: path 5 leaves the store; the node must stop re-announcing it (its record then expires).
    a.source.remove(benchPath(0, 5).hashPart);
    const removedAt = Date.now();
    await waitUntil('a re-announcement after the deletion', async () => (await stamp(0))! > removedAt, 10_000);
    const t1 = (await stamp(0))!;
    await waitUntil('two more re-announcements', async () => (await stamp(0))! > t1 + 1500, 10_000);
    assert.ok((await stamp(5))! <= t1, 'the deleted path was not announced again');
    assert.ok((await stamp(9))! > t1, 'the paths still held were');
  });
});

describe('the /tix/providers/1.0.0 server', { timeout: 60_000 }, () => {
  const net = new DhtTestNetwork();
  let client: TixHost | undefined;
  after(async () => {
    await client?.stop();
    await net.stopAll();
  });

  /** Send raw kad messages on one stream; the decoded answers, or the error the stream ended with. */
  async function exchange(messages: Uint8Array[]): Promise<{ answers: KadMessage[]; error?: Error }> {
    const { node } = net.nodes[0]!;
    client ??= await bareHost();
    const stream = await client.dialProtocol(node.host.getMultiaddrs()[0]!, '/tix/providers/1.0.0');
    stream.send(Buffer.concat(messages));
    await stream.close();
    const dec = new FrameDecoder(1 << 20);
    const answers: KadMessage[] = [];
    try {
      for await (const c of streamChunks(stream)) {
        dec.push(c);
        for (let f = dec.next(); f; f = dec.next()) answers.push(decodeKadMessage(f.body));
      }
      return { answers };
    } catch (e) {
      return { answers, error: e as Error };
    }
  }

  const addr = new Uint8Array([4, 127, 0, 0, 1, 6, 0x0f, 0xa1]); // /ip4/127.0.0.1/tcp/4001

  it('stores records the sender announces for itself, answers lookups in order and acknowledges with a PING', async () => {
    await net.add(0, 0);
    client ??= await bareHost();
    const me = { id: client.peerId.toMultihash().bytes, multiaddrs: [addr] };
    const r = await exchange([
      encodeKadMessage({ type: KAD_ADD_PROVIDER, key: key(9, 0), providers: [me] }),
      encodeKadMessage({ type: KAD_ADD_PROVIDER, key: key(9, 1), providers: [me] }),
    ]);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.answers.map((m) => m.type), [KAD_PING]);
    const q = await exchange([key(9, 1), key(9, 2), key(9, 0)].map((k) => encodeKadMessage({ type: KAD_GET_PROVIDERS, key: k })));
    assert.deepEqual(q.answers.map((m) => [m.type, m.providers.length]), [[KAD_GET_PROVIDERS, 1], [KAD_GET_PROVIDERS, 0], [KAD_GET_PROVIDERS, 1], [KAD_PING, 0]]);
    assert.deepEqual(Uint8Array.from(q.answers[0]!.providers[0]!.id), Uint8Array.from(me.id));
  });

  const refused: Array<[string, () => Uint8Array[]]> = [
    ['an ADD_PROVIDER naming another peer', () => [encodeKadMessage({ type: KAD_ADD_PROVIDER, key: key(9, 3), providers: [{ id: net.nodes[0]!.node.host.peerId.toMultihash().bytes, multiaddrs: [addr] }] })]],
    ['an ADD_PROVIDER without an address', () => [encodeKadMessage({ type: KAD_ADD_PROVIDER, key: key(9, 3), providers: [{ id: client!.peerId.toMultihash().bytes, multiaddrs: [] }] })]],
    ['a message of another type', () => [encodeKadMessage({ type: KAD_PING, key: key(9, 3) })]],
    ['a message without a key', () => [encodeKadMessage({ type: KAD_GET_PROVIDERS, key: new Uint8Array() })]],
    ['a length prefix past the message cap', () => [new Uint8Array([0xff, 0xff, 0x7f, 1, 2, 3])]],
  ];
  for (const [what, messages] of refused) {
    it(`resets the stream on ${what} and stores nothing`, async () => {
      const r = await exchange(messages());
      assert.ok(r.error, 'the stream was reset');
      assert.ok(!r.answers.some((m) => m.type === KAD_PING), 'no acknowledgement');
      assert.equal(await net.nodes[0]!.node.providerRecords.storedAt(key(9, 3), client!.peerId), undefined);
      assert.equal(await net.nodes[0]!.node.providerRecords.storedAt(key(9, 3), net.nodes[0]!.node.host.peerId), undefined);
    });
  }
});
