/**
 * A deliberately misbehaving peer, run as its own process by the e2e tests:
 * `node tests/support/lying-peer.ts` prints `{"address": ...}` on stdout, then serves
 * `/tix/nar/1.0.0` and `/tix/narinfo/1.0.0` wrongly until SIGTERM. The hash part asked for
 * picks the lie (LIES in lies.ts), so one process covers every case.
 */

import { generateKeyPair } from '@libp2p/crypto/keys';
import { zstdCompressSync } from 'node:zlib';
import { createTixHost } from '../../node/host.ts';
import { LIES } from './lies.ts';
import { encodeFrame, PROTOCOL_NAR, PROTOCOL_NARINFO, FrameDecoder, decodeBody, FRAME_CAP, type Message } from '../../src/substitute/index.ts';


async function readRequest(stream: AsyncIterable<Uint8Array | { subarray(): Uint8Array }>, cap: number): Promise<Message> {
  const d = new FrameDecoder(cap);
  for await (const c of stream) {
    d.push(c instanceof Uint8Array ? c : c.subarray());
    const f = d.next();
    if (f) return decodeBody(f.body);
  }
  throw new Error('no request');
}

const host = await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false });
await host.handle(PROTOCOL_NAR, async (stream) => {
  const req = await readRequest(stream, FRAME_CAP.nar);
  if (req.type !== 'nar-request') return stream.abort(new Error('bad request'));
  const data = (n: number): Uint8Array => encodeFrame({ type: 'nar-data', bytes: new Uint8Array(n).fill(7) });
  switch (req.hashPart) {
    case LIES.truncate:
      stream.send(encodeFrame({ type: 'nar-header', compression: 'none', narSize: 1000 }));
      stream.send(data(500));
      await stream.close();
      return;
    case LIES.overflow:
      stream.send(encodeFrame({ type: 'nar-header', compression: 'none', narSize: 1000 }));
      stream.send(data(1000));
      stream.send(data(500));
      stream.send(encodeFrame({ type: 'nar-end', narSize: 1500 }));
      await stream.close();
      return;
    case LIES.hugeFrame:
      stream.send(encodeFrame({ type: 'nar-header', compression: 'none', narSize: 1000 }));
      // A length prefix of 16 MiB, then some bytes: the client must refuse before buffering it.
      stream.send(Uint8Array.from([0x80, 0x80, 0x80, 0x08, 0x12, 1, 2, 3]));
      await stream.close();
      return;
    case LIES.hugeHeader:
      stream.send(encodeFrame({ type: 'nar-header', compression: 'none', narSize: 2 ** 50 }));
      await stream.close();
      return;
    case LIES.zstdBomb: {
      // 64 MiB of zeros compress to a few KiB: well under any wire limit.
      const bomb = zstdCompressSync(new Uint8Array(64 << 20));
      stream.send(encodeFrame({ type: 'nar-header', compression: 'zstd', narSize: 1000 }));
      stream.send(encodeFrame({ type: 'nar-data', bytes: bomb }));
      stream.send(encodeFrame({ type: 'nar-end', narSize: 1000 }));
      await stream.close().catch(() => {});
      return;
    }
    case LIES.endless:
      stream.send(encodeFrame({ type: 'nar-header', compression: 'none', narSize: 1000 }));
      // Bounded only by the client going away (and 1 GiB, so a broken client cannot hang the test).
      for (let i = 0; i < 16384; i++) {
        try {
          if (!stream.send(data(64 * 1024))) await stream.onDrain();
        } catch {
          return;
        }
      }
      return;
    default:
      stream.send(encodeFrame({ type: 'error', code: 3, message: 'no such path' }));
      await stream.close();
  }
});
await host.handle(PROTOCOL_NARINFO, async (stream) => {
  const req = await readRequest(stream, FRAME_CAP.narinfo);
  if (req.type !== 'narinfo-request') return stream.abort(new Error('bad request'));
  if (req.hashParts.includes(LIES.wrongPath)) {
    stream.send(encodeFrame({ type: 'narinfo', text: 'StorePath: /nix/store/11111111111111111111111111111111-other\nNarSize: 1\n' }));
    stream.send(encodeFrame({ type: 'end', count: 1 }));
  } else if (req.hashParts.includes(LIES.oversizedNarinfo)) {
    stream.send(encodeFrame({ type: 'narinfo', text: `StorePath: /nix/store/${LIES.oversizedNarinfo}-big\nX: ${'y'.repeat(300_000)}\n` }));
    stream.send(encodeFrame({ type: 'end', count: 1 }));
  } else {
    stream.send(encodeFrame({ type: 'end', count: 0 }));
  }
  await stream.close();
});
await host.start();
process.stdout.write(JSON.stringify({ address: host.getMultiaddrs()[0]!.toString() }) + '\n');
const stop = (): void => { void Promise.resolve(host.stop()).finally(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
