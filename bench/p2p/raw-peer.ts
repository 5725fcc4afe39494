/**
 * A libp2p host in its own process for the transfer benchmark's ceiling: the same transport
 * stack as a tix node (TCP, noise, yamux with tix's windows), and one protocol that sends
 * the requested number of bytes in 256 KiB messages with back-pressure; and a plain TCP
 * listener that does the same (the socket's ceiling). Prints its address and TCP port.
 *
 *   node bench/p2p/raw-peer.ts
 */

import { generateKeyPair } from '@libp2p/crypto/keys';
import { createServer } from 'node:net';
import { createTixHost } from '../../node/host.ts';

export const RAW_PROTOCOL = '/tix-bench/raw/1.0.0';

if (import.meta.main) {
  const host = await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false });
  await host.handle(RAW_PROTOCOL, async (stream) => {
    let want = 0;
    for await (const c of stream) {
      const b = c instanceof Uint8Array ? c : c.subarray();
      want = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0));
      break;
    }
    const chunk = new Uint8Array(256 * 1024).fill(7);
    for (let sent = 0; sent < want; sent += chunk.length) {
      if (!stream.send(chunk.subarray(0, Math.min(chunk.length, want - sent)))) await stream.onDrain();
    }
    await stream.close();
  });
  await host.start();
  const tcp = createServer((s) => {
    s.once('data', async (d: Buffer) => {
      const want = Number(d.readBigUInt64BE(0));
      const chunk = new Uint8Array(1024 * 1024).fill(7);
      for (let sent = 0; sent < want; sent += chunk.length) {
        if (!s.write(chunk.subarray(0, Math.min(chunk.length, want - sent)))) await new Promise((r) => s.once('drain', r));
      }
      s.end();
    });
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  process.stdout.write(JSON.stringify({ address: host.getMultiaddrs()[0]!.toString(), tcpPort: (tcp.address() as { port: number }).port }) + '\n');
  process.on('SIGTERM', () => { void Promise.resolve(host.stop()).finally(() => process.exit(0)); });
}
