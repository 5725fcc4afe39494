/**
 * The bulk channel between real libp2p hosts in this process, over loopback: NARs arrive
 * byte-exact over it; a wrong or replayed hello gets no byte; a record changed or cut on the
 * way fails the transfer with the provider's error and the next provider is used; a bulk
 * port nobody can reach, or a peer that does not offer the channel, means the libp2p stream.
 */

import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TixNode } from '../../../node/daemon.ts';
import { hostDialer } from '../../../node/dialer.ts';
import { createTixHost, type TixHost } from '../../../node/host.ts';
import { createLogger } from '../../../node/log.ts';
import { parsePublicKey, StoreDir } from '../../../src/store/index.ts';
import { LocalStore, storeLayout } from '../../../src/store/local/index.ts';
import {
  deriveBulkKeys, encodeHello, fetchNarBulk, FRAME_CAP, FrameReader, MemoryPathSource, PeerSubstitution, PROTOCOL_BULK, writeMessage,
  type PeerDialer, type PeerError, type PeerImporter,
} from '../../../src/substitute/index.ts';
import { collectBytes } from '../../support/nar.ts';
import { makeNixCache, type NixCache } from '../../support/nix-cache.ts';
import { NIX_SKIP } from '../../support/nix.ts';

const quiet = createLogger('test', () => {});
/** 24 MiB of bytes (not a NAR: fetchNarBulk only moves bytes), for a reader slower than the channel. */
const huge = new Uint8Array(randomBytes(24 * 1024 * 1024));
const HUGE_HASH = '1'.repeat(32);
const storeDir = new StoreDir('/nix/store');

async function servingNode(fill: (m: MemoryPathSource) => void, bulkChannel = true): Promise<TixNode> {
  const source = new MemoryPathSource();
  fill(source);
  const node = await TixNode.create(
    { stateDir: mkdtempSync(join(tmpdir(), 'tix-bulk-')), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, persistent: false, controlSocket: false, bulkChannel },
    { source, nars: source, log: quiet },
  );
  await node.start();
  return node;
}

/** Forward `listenHost:port` to 127.0.0.1:port, passing the server's bytes through `alter`. */
async function proxy(listenHost: string, port: number, alter: (b: Buffer, seen: number, down: Socket) => Buffer | undefined, forwardEnd = true): Promise<Server> {
  const server = createServer((client) => {
    const up = connect({ host: '127.0.0.1', port });
    let seen = 0;
    client.on('error', () => {});
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    client.pipe(up);
    up.on('data', (d: Buffer) => {
      const out = alter(d, seen, client);
      seen += d.length;
      if (out) client.write(out);
    });
    up.on('end', () => { if (forwardEnd) client.end(); });
  });
  await new Promise<void>((r) => server.listen(port, listenHost, r));
  return server;
}

/** A dialer through `client` that names `host` as every peer's address. */
const redirected = (client: TixHost, host: string): PeerDialer => ({ ...hostDialer(client), remoteHost: () => host });

/** The bytes a raw TCP connection to the bulk port receives after sending `hello`. */
async function answerTo(port: number, hello: Uint8Array): Promise<number> {
  const s = connect({ host: '127.0.0.1', port });
  s.write(hello);
  let n = 0;
  try {
    for await (const c of s) n += (c as Buffer).length;
  } catch {
    // a reset is as good as a close here
  }
  return n;
}

describe('bulk channel', { skip: NIX_SKIP }, () => {
  let cache: NixCache;
  let honest: TixNode;
  let truncated: TixNode;
  let noBulk: TixNode;
  let client: TixHost;
  let store: LocalStore;
  let root: string;
  const servers: Server[] = [];

  before(async () => {
    cache = makeNixCache('none');
    const add = (m: MemoryPathSource, cut: boolean): void => {
      for (const p of cache.paths) m.add({ storePath: storeDir.parsePath(p.storePath), narSize: p.narSize, narinfo: p.narinfo }, cut ? p.nar.subarray(0, p.nar.length >> 1) : p.nar);
    };
    const withHuge = (m: MemoryPathSource): void => {
      add(m, false);
      m.add({ storePath: storeDir.parsePath(`/nix/store/${HUGE_HASH}-huge`), narSize: huge.length, narinfo: 'not read by these tests\n' }, huge);
    };
    [honest, truncated, noBulk] = await Promise.all([servingNode(withHuge), servingNode((m) => add(m, true)), servingNode((m) => add(m, false), false)]);
    client = await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false });
    await client.start();
    for (const n of [honest, truncated, noBulk]) await client.dial(multiaddr(n.host.getMultiaddrs()[0]!));
    root = mkdtempSync(join(tmpdir(), 'tix-bulk-store-'));
    store = await LocalStore.open(storeLayout(root));
  });

  after(async () => {
    for (const s of servers) s.close();
    await client?.stop();
    await Promise.all([honest, truncated, noBulk].map((n) => n?.stop()));
    await store?.close();
    rmSync(root, { recursive: true, force: true });
    cache?.dispose();
  });

  const big = () => cache.paths[2]!;
  const id = (n: TixNode): string => n.host.peerId.toString();

  it('carries each NAR byte-exact', async () => {
    const before = honest.bulkServer!.stats.served;
    for (const p of cache.paths) {
      const nar = await fetchNarBulk(hostDialer(client), id(honest), p.hashPart, { maxBytes: p.narSize });
      assert.ok(nar, 'a bulk channel was set up');
      assert.deepEqual(new Uint8Array(await collectBytes(nar.chunks)), p.nar);
    }
    assert.equal(honest.bulkServer!.stats.served, before + cache.paths.length);
  });

  it('holds a fast sender back for a slow reader without losing a byte', async () => {
    const nar = await fetchNarBulk(hostDialer(client), id(honest), HUGE_HASH, { maxBytes: huge.length });
    assert.ok(nar);
    const h = createHash('sha256');
    let n = 0;
    for await (const c of nar.chunks) {
      h.update(c);
      // A pause every MiB: the reader falls behind and the channel must wait for it.
      if ((n += c.length) % (1024 * 1024) < c.length) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(n, huge.length);
    assert.equal(h.digest('hex'), createHash('sha256').update(huge).digest('hex'));
  });

  it('refuses a NAR larger than the byte limit before connecting', async () => {
    await assert.rejects(fetchNarBulk(hostDialer(client), id(honest), big().hashPart, { maxBytes: big().narSize - 1 }), (e: PeerError) => e.code === 'E_PEER_LIMIT');
  });

  it('sends nothing for a wrong hello, and spends the token on it', async () => {
    const stream = await client.dialProtocol(honest.host.peerId, PROTOCOL_BULK);
    const ctx = { peerId: id(honest), protocol: PROTOCOL_BULK };
    await writeMessage(stream, { type: 'bulk-request', hashPart: big().hashPart }, ctx);
    const offer = await new FrameReader(stream, FRAME_CAP.bulk, ctx).expect(['bulk-offer']);
    const wrongKey = encodeHello(offer.token, deriveBulkKeys(new Uint8Array(32).fill(1), offer.token));
    const bad = honest.bulkServer!.stats.badHellos;
    assert.equal(await answerTo(offer.port, wrongKey), 0);
    // The right hello comes too late: the token was spent by the wrong one.
    assert.equal(await answerTo(offer.port, encodeHello(offer.token, deriveBulkKeys(offer.key, offer.token))), 0);
    assert.equal(honest.bulkServer!.stats.badHellos, bad + 2);
    stream.abort(new Error('done'));
  });

  it('sends nothing for a replayed hello', async () => {
    const stream = await client.dialProtocol(honest.host.peerId, PROTOCOL_BULK);
    const ctx = { peerId: id(honest), protocol: PROTOCOL_BULK };
    await writeMessage(stream, { type: 'bulk-request', hashPart: big().hashPart }, ctx);
    const offer = await new FrameReader(stream, FRAME_CAP.bulk, ctx).expect(['bulk-offer']);
    const hello = encodeHello(offer.token, deriveBulkKeys(offer.key, offer.token));
    assert.ok(await answerTo(offer.port, hello) > big().narSize, 'the first use gets the NAR');
    assert.equal(await answerTo(offer.port, hello), 0);
    stream.abort(new Error('done'));
  });

  it('fails a transfer whose record was changed on the way (E_PEER_PROTOCOL)', async () => {
    const port = honest.bulkServer!.port;
    servers.push(await proxy('127.0.0.2', port, (b, seen) => {
      if (seen <= 5000 && seen + b.length > 5000) b[5000 - seen]! ^= 1;
      return b;
    }));
    const nar = await fetchNarBulk(redirected(client, '127.0.0.2'), id(honest), big().hashPart, { maxBytes: big().narSize });
    assert.ok(nar);
    await assert.rejects(collectBytes(nar.chunks), (e: PeerError) => e.code === 'E_PEER_PROTOCOL' && /authenticate/.test(e.message));
  });

  it('fails a transfer cut on the way (E_PEER_TRUNCATED)', async () => {
    const port = honest.bulkServer!.port;
    servers.push(await proxy('127.0.0.3', port, (b, seen, down) => {
      if (seen + b.length < 20_000) return b;
      down.end(b.subarray(0, Math.max(0, 20_000 - seen)));
      return undefined;
    }));
    const nar = await fetchNarBulk(redirected(client, '127.0.0.3'), id(honest), big().hashPart, { maxBytes: big().narSize });
    assert.ok(nar);
    await assert.rejects(collectBytes(nar.chunks), (e: PeerError) => e.code === 'E_PEER_TRUNCATED');
  });

  it('drops a channel that stalls (E_PEER_TIMEOUT)', async () => {
    const port = honest.bulkServer!.port;
    // Forwards the first 20,000 bytes, then holds the rest back without closing anything.
    servers.push(await proxy('127.0.0.6', port, (b, seen) => (seen + b.length < 20_000 ? b : seen < 20_000 ? b.subarray(0, 20_000 - seen) : undefined), false));
    const nar = await fetchNarBulk(redirected(client, '127.0.0.6'), id(honest), big().hashPart, { maxBytes: big().narSize, idleTimeoutMs: 300 });
    assert.ok(nar);
    await assert.rejects(collectBytes(nar.chunks), (e: PeerError) => e.code === 'E_PEER_TIMEOUT' && /stalled/.test(e.message));
  });

  it('falls back when the bulk port cannot be reached or the peer offers no channel', async () => {
    const reasons: string[] = [];
    const onFallback = (r: string): void => { reasons.push(r); };
    assert.equal(await fetchNarBulk(redirected(client, '127.0.0.4'), id(honest), big().hashPart, { maxBytes: big().narSize, onFallback }), undefined);
    assert.equal(await fetchNarBulk(hostDialer(client), id(noBulk), big().hashPart, { maxBytes: big().narSize, onFallback }), undefined);
    assert.equal(reasons.length, 2);
    assert.match(reasons[0]!, /cannot connect to 127\.0\.0\.4/);
    // The client's reset of the offer's stream releases the offer at once, not after its 10 s.
    for (let i = 0; i < 100 && honest.bulkServer!.pendingOffers > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(honest.bulkServer!.pendingOffers, 0);
  });

  /** Substitute every path of the cache from `peers` in order, with the bulk channel on. */
  async function substitute(dialer: PeerDialer, peers: string[]) {
    const importer: PeerImporter = {
      queryValidPaths: (paths) => store.db.queryValidPaths(paths),
      importNar: async (path, nar, info, o) => {
        await store.importNar(path, nar, { narHash: info.narHash, narSize: info.narSize, references: info.references, sigs: info.sigs, ca: info.ca, signal: o.signal });
      },
    };
    const key = parsePublicKey(cache.publicKey, 'trusted-public-keys');
    const rejected: string[] = [];
    const fallbacks: string[] = [];
    const run = new PeerSubstitution({
      finder: { findProviders: async (hs) => new Map(hs.map((h) => [h, peers])) },
      dialer, store: importer, bulk: true, bulkMinBytes: 0,
      policy: { trustedKeys: new Map([[key.name, key]]), requireSigs: true, storeDir },
      onReject: (_p, _peer, reason) => rejected.push(reason),
      onBulkFallback: (_p, _peer, reason) => fallbacks.push(reason),
    });
    const r = await run.run(cache.paths.map((p) => storeDir.parsePath(p.storePath)));
    for (const p of cache.paths) assert.equal((await store.db.queryPathInfo(storeDir.parsePath(p.storePath)))?.narSize, p.narSize);
    assert.deepEqual(readdirSync(store.layout.tempDir), []);
    return { r, rejected, fallbacks };
  }

  async function forgetAll(): Promise<void> {
    await store.close();
    rmSync(root, { recursive: true, force: true });
    root = mkdtempSync(join(tmpdir(), 'tix-bulk-store-'));
    store = await LocalStore.open(storeLayout(root));
  }

  it('substitutes over the channel, taking the next provider after a truncated one', async () => {
    await forgetAll();
    const served = honest.bulkServer!.stats.served;
    const { r, rejected, fallbacks } = await substitute(hostDialer(client), [id(truncated), id(honest)]);
    assert.deepEqual(Object.fromEntries(r.failed), {});
    for (const peer of r.substituted.values()) assert.equal(peer, id(honest));
    assert.equal(rejected.length, cache.paths.length, rejected.join('\n'));
    // The liar's NAR is short but whole on the wire: the restore finds it cut.
    for (const why of rejected) assert.match(why, /size|truncat|end of/i);
    assert.deepEqual(fallbacks, []);
    assert.equal(honest.bulkServer!.stats.served, served + cache.paths.length);
  });

  it('substitutes over the libp2p stream when the bulk port is unreachable', async () => {
    await forgetAll();
    const bulk = honest.bulkServer!.stats.served;
    const nars = honest.narServer.stats.served;
    const { r, fallbacks } = await substitute(redirected(client, '127.0.0.5'), [id(honest)]);
    assert.deepEqual(Object.fromEntries(r.failed), {});
    assert.equal(fallbacks.length, cache.paths.length);
    assert.equal(honest.bulkServer!.stats.served, bulk);
    assert.equal(honest.narServer.stats.served, nars + cache.paths.length);
  });
});
