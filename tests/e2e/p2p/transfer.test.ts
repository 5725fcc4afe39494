/**
 * narinfo and NAR transfer between processes: a `tix node start --serve-cache` process
 * serving a binary cache made by real Nix, a client host in the test process, and a lying
 * peer process whose answers must all be rejected with errors naming it.
 */

import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostDialer } from '../../../node/dialer.ts';
import { createTixHost, type TixHost } from '../../../node/host.ts';
import {
  encodeFrame, fetchNar, FrameReader, FRAME_CAP, PROTOCOL_NAR, queryNarinfos, type PeerError,
} from '../../../src/substitute/index.ts';
import { repoRoot } from '../../support/child.ts';
import { LIES } from '../../support/lies.ts';
import { makeNixCache, type NixCache } from '../../support/nix-cache.ts';
import { collectBytes } from '../../support/nar.ts';
import { NIX_SKIP } from '../../support/nix.ts';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';

const readAll = async (chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> => new Uint8Array(await collectBytes(chunks));

/** Assert that `p` rejects with a PeerError of `code` naming `peer`. */
async function rejectsFrom(p: Promise<unknown>, code: string, peer: string): Promise<PeerError> {
  let err: PeerError | undefined;
  await assert.rejects(p, (e: PeerError) => {
    assert.equal(e.code, code, e.message);
    assert.equal(e.peerId, peer);
    assert.ok(e.message.includes(peer), `message names the peer: ${e.message}`);
    err = e;
    return true;
  });
  return err!;
}

describe('narinfo and NAR transfer between processes', { skip: NIX_SKIP }, () => {
  let plain: NixCache;
  let zstd: NixCache;
  let server: NodeProcess;
  let zserver: NodeProcess;
  let liar: ChildProcess;
  let liarId: string;
  let client: TixHost;
  const dialer = () => hostDialer(client);

  before(async () => {
    plain = makeNixCache('none');
    zstd = makeNixCache('zstd');
    const liarAddr = new Promise<string>((resolve, reject) => {
      liar = spawn(process.execPath, ['--no-warnings', join(repoRoot, 'tests/support/lying-peer.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
      liar.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { address: string }).address));
      liar.once('exit', (c) => reject(new Error(`lying peer exited with ${c}`)));
    });
    [server, zserver] = await Promise.all([
      NodeProcess.start({ args: ['--serve-cache', plain.dir] }),
      NodeProcess.start({ args: ['--serve-cache', zstd.dir] }),
    ]);
    client = await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false });
    await client.start();
    const addr = await liarAddr;
    liarId = multiaddr(addr).getComponents().findLast((c) => c.name === 'p2p')!.value!;
    for (const a of [server.address, zserver.address, addr]) await client.dial(multiaddr(a));
  });

  after(async () => {
    await client?.stop();
    liar?.kill('SIGTERM');
    await Promise.all([server?.stop(), zserver?.stop()]);
    plain?.dispose();
    zstd?.dispose();
  });

  it('answers a batched narinfo query with Nix\'s narinfo of every path it has', async () => {
    const missing = '0'.repeat(32);
    const got = await queryNarinfos(dialer(), server.peerId, [...plain.paths.map((p) => p.hashPart), missing]);
    assert.deepEqual([...got.keys()].sort(), plain.paths.map((p) => p.hashPart).sort());
    for (const p of plain.paths) assert.equal(got.get(p.hashPart), p.narinfo);
  });

  it('streams a NAR equal to nix-store --dump', async () => {
    for (const p of plain.paths) {
      const nar = await fetchNar(dialer(), server.peerId, p.hashPart, { maxBytes: p.narSize });
      assert.equal(nar.compression, 'none');
      assert.deepEqual(await readAll(nar.chunks), p.nar);
    }
  });

  it('compresses the stream with zstd when the client offers it', async () => {
    const big = plain.paths[2]!;
    const nar = await fetchNar(dialer(), server.peerId, big.hashPart, { maxBytes: big.narSize, acceptZstd: true });
    assert.equal(nar.compression, 'zstd');
    assert.deepEqual(await readAll(nar.chunks), big.nar);
    assert.ok(nar.wireBytes() < big.narSize / 4, `${nar.wireBytes()} wire bytes for ${big.narSize}`);
  });

  it('serves the NARs of a zstd-compressed cache decompressed', async () => {
    for (const p of zstd.paths) {
      const nar = await fetchNar(dialer(), zserver.peerId, p.hashPart, { maxBytes: p.narSize });
      assert.deepEqual(await readAll(nar.chunks), p.nar);
    }
  });

  it('refuses a NAR larger than the byte limit before reading it', async () => {
    const big = plain.paths[2]!;
    await rejectsFrom(fetchNar(dialer(), server.peerId, big.hashPart, { maxBytes: big.narSize - 1 }), 'E_PEER_LIMIT', server.peerId);
  });

  it('answers "not found" for a path it does not have', async () => {
    await rejectsFrom(fetchNar(dialer(), server.peerId, '1'.repeat(32), { maxBytes: 100 }), 'E_PEER_NOT_FOUND', server.peerId);
  });

  it('answers a peer over its concurrency limit with "busy"', async () => {
    const big = plain.paths[2]!;
    // Eight streams that have not sent their request yet hold all of this peer's NAR slots.
    const held = await Promise.all(Array.from({ length: 8 }, () => client.dialProtocol(multiaddr(server.address), PROTOCOL_NAR)));
    try {
      await rejectsFrom(fetchNar(dialer(), server.peerId, big.hashPart, { maxBytes: big.narSize }), 'E_PEER_REFUSED', server.peerId);
    } finally {
      for (const h of held) h.abort(new Error('test done'));
    }
    // Once they are gone the peer is served again.
    await waitFor('a slot to free up', async () => {
      const nar = await fetchNar(dialer(), server.peerId, big.hashPart, { maxBytes: big.narSize });
      return (await readAll(nar.chunks)).length;
    });
  });

  it('answers a malformed request with an error frame', async () => {
    const stream = await client.dialProtocol(multiaddr(server.address), PROTOCOL_NAR);
    stream.send(encodeFrame({ type: 'nar-data', bytes: new Uint8Array([1]) }));
    const reader = new FrameReader(stream, FRAME_CAP.nar, { peerId: server.peerId, protocol: PROTOCOL_NAR });
    const m = await reader.next();
    assert.equal(m?.type, 'error');
    if (m?.type === 'error') assert.match(m.message, /unexpected nar-data frame/);
    const s = await waitFor('the refusal to be counted', async () => ((await server.refresh()).transfers.requestsRefused > 0 ? server.status : undefined));
    assert.ok(s.transfers.narsServed > 0);
    assert.ok(s.transfers.narinfosServed >= plain.paths.length);
  });

  const lies: { name: string; hashPart: string; code: string; narinfo?: boolean; wire?: string }[] = [
    { name: 'a truncated NAR stream', hashPart: LIES.truncate, code: 'E_PEER_TRUNCATED' },
    { name: 'more NAR bytes than announced', hashPart: LIES.overflow, code: 'E_PEER_LIMIT' },
    { name: 'a frame over the cap', hashPart: LIES.hugeFrame, code: 'E_PEER_PROTOCOL', wire: 'E_WIRE_FRAME_TOO_LARGE' },
    { name: 'a NAR header over the byte limit', hashPart: LIES.hugeHeader, code: 'E_PEER_LIMIT' },
    { name: 'a narinfo for a path not asked for', hashPart: LIES.wrongPath, code: 'E_PEER_MISMATCH', narinfo: true },
    { name: 'an oversized narinfo', hashPart: LIES.oversizedNarinfo, code: 'E_PEER_PROTOCOL', narinfo: true, wire: 'E_WIRE_FRAME_TOO_LARGE' },
  ];
  it('stops a zstd decompression bomb at the announced NAR size', async () => {
    const nar = await fetchNar(dialer(), liarId, LIES.zstdBomb, { maxBytes: 1 << 20, acceptZstd: true });
    assert.equal(nar.compression, 'zstd');
    let got = 0;
    const e = await rejectsFrom((async () => { for await (const c of nar.chunks) got += c.length; })(), 'E_PEER_LIMIT', liarId);
    assert.match(e.message, /sent more than the 1000 NAR bytes/);
    // Nothing past the announced size reached the caller; the rest was never inflated into it.
    assert.ok(got <= 1000, `${got} bytes passed on`);
    assert.ok(nar.wireBytes() < 64 * 1024, `${nar.wireBytes()} wire bytes`);
  });

  it('stops an endless NAR stream at the announced size', async () => {
    const nar = await fetchNar(dialer(), liarId, LIES.endless, { maxBytes: 1 << 20 });
    let got = 0;
    await rejectsFrom((async () => { for await (const c of nar.chunks) got += c.length; })(), 'E_PEER_LIMIT', liarId);
    assert.ok(got <= 1000);
  });

  for (const c of lies) {
    it(`rejects ${c.name} from a lying peer`, async () => {
      const p = c.narinfo
        ? queryNarinfos(dialer(), liarId, [c.hashPart])
        : fetchNar(dialer(), liarId, c.hashPart, { maxBytes: 1 << 20 }).then((n) => readAll(n.chunks));
      const e = await rejectsFrom(p, c.code, liarId);
      if (c.wire) assert.equal((e.cause as { code?: string }).code, c.wire);
    });
  }
});
