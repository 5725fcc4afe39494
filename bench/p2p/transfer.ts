/**
 * NAR transfer benchmark, peer to peer over loopback, each side its own process where it
 * matters. One path of SIZE MiB of random bytes is added to store A (`tix store add`), and
 * `tix node start --store A` serves it. Measured in one run:
 *
 *   sha256 in memory        the hashing limit every verified transfer pays
 *   raw TCP loopback        a child process writes the bytes to a plain socket
 *   NAR stream (libp2p)     this process fetches the NAR from node A (noise + yamux + tix
 *                           NAR frames) and hashes it, no disk
 *   tix copy --from p2p     node B (own process, own store) substitutes it from A: fetch,
 *                           restore to disk while hashing, verify, register
 *
 *   node bench/p2p/transfer.ts [SIZE_MIB=256]
 */

import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostDialer } from '../../node/dialer.ts';
import { createTixHost } from '../../node/host.ts';
import { fetchNar } from '../../src/substitute/index.ts';
import { NodeProcess, waitFor } from '../../tests/support/p2p-node.ts';
import { TIX_BIN } from '../support/bench.ts';
import { RAW_PROTOCOL } from './raw-peer.ts';

const SIZE = Number(process.argv[2] ?? 256) * 1024 * 1024;
const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'tix-bench-transfer-'));
const rate = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000);
const fmt = (x: number): string => x.toFixed(0);

function tix(args: string[]): string {
  const r = spawnSync(TIX_BIN, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`tix ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Best of `n` runs of `f`, in ms. */
async function best(n: number, f: () => Promise<void>): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

const data = randomBytes(SIZE);
mkdirSync(join(work, 'src'));
writeFileSync(join(work, 'src', 'blob'), data);
const path = tix(['store', 'add', '--store', join(work, 'a'), join(work, 'src')]).trim();
const hashPart = path.slice('/nix/store/'.length, '/nix/store/'.length + 32);

// sha256 limit, in 1 MiB chunks as a stream would deliver them.
const shaMs = await best(3, async () => {
  const h = createHash('sha256');
  for (let o = 0; o < SIZE; o += MiB) h.update(data.subarray(o, o + MiB));
  h.digest();
});

// Raw TCP loopback from a child process (the child holds the bytes in memory and writes them).
const tcpChild = spawn(process.execPath, ['-e', `
  const net = require('node:net'); const fs = require('node:fs');
  const buf = fs.readFileSync(process.argv[1]);
  const srv = net.createServer((s) => s.end(buf));
  srv.listen(0, '127.0.0.1', () => process.stdout.write(String(srv.address().port) + '\\n'));
`, join(work, 'src', 'blob')], { stdio: ['ignore', 'pipe', 'inherit'] });
const tcpPort = await new Promise<number>((r) => tcpChild.stdout.once('data', (d: Buffer) => r(Number(d.toString()))));
const tcpMs = await best(3, () => new Promise<void>((resolve, reject) => {
  let n = 0;
  const s = connect(tcpPort, '127.0.0.1');
  s.on('data', (c: Buffer) => { n += c.length; });
  s.on('end', () => (n === SIZE ? resolve() : reject(new Error(`got ${n} bytes`))));
  s.on('error', reject);
}));
tcpChild.kill();

// Raw libp2p stream from a child process with the same transport stack (the ceiling for NARs).
const rawChild = spawn(process.execPath, ['--no-warnings', join(import.meta.dirname, 'raw-peer.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
const rawAddr = await new Promise<string>((r) => rawChild.stdout.once('data', (d: Buffer) => r((JSON.parse(d.toString()) as { address: string }).address)));

const a = await NodeProcess.start({ args: ['--store', join(work, 'a')] });
const b = await NodeProcess.start({ args: ['--store', join(work, 'b'), '--peer', a.address, '--option', 'require-sigs', 'false'] });
const client = await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false });
try {
  await client.start();
  await client.dial(multiaddr(a.address));
  await client.dial(multiaddr(rawAddr));
  const rawMs = await best(3, async () => {
    const stream = await client.dialProtocol(multiaddr(rawAddr), RAW_PROTOCOL);
    const req = new Uint8Array(8);
    new DataView(req.buffer).setBigUint64(0, BigInt(SIZE));
    stream.send(req);
    let n = 0;
    for await (const c of stream) n += (c instanceof Uint8Array ? c : c.subarray()).length;
    if (n !== SIZE) throw new Error(`raw stream gave ${n} bytes`);
  });
  rawChild.kill();
  let narSize = 0;
  const narMs = await best(3, async () => {
    const nar = await fetchNar(hostDialer(client), a.peerId, hashPart, { maxBytes: SIZE + 4096 });
    const h = createHash('sha256');
    narSize = 0;
    for await (const c of nar.chunks) { h.update(c); narSize += c.length; }
    h.digest();
  });
  await waitFor('B to see A\'s inventory', async () => ((await b.refresh()).peers.some((p) => (p.paths ?? 0) > 0) ? true : undefined), 60_000);
  const t0 = performance.now();
  tix(['copy', '--from', 'p2p', '--state', b.stateDir, path]);
  const copyMs = performance.now() - t0;
  tix(['store', 'verify', '--store', join(work, 'b'), '--check-contents', path]);

  console.log(`NAR transfer benchmark: one ${SIZE / MiB} MiB path over loopback (shared 2-core machine; best of 3 except tix copy)`);
  const rows: [string, number, number][] = [
    ['sha256 in memory', SIZE, shaMs],
    ['raw TCP loopback (process to process)', SIZE, tcpMs],
    ['raw libp2p stream (noise + yamux), process to process', SIZE, rawMs],
    ['NAR stream node A -> this process, hashed', narSize, narMs],
    ['tix copy --from p2p (node B: fetch, restore, verify, register)', narSize, copyMs],
  ];
  for (const [name, bytes, ms] of rows) console.log(`  ${name.padEnd(64)} ${fmt(rate(bytes, ms)).padStart(6)} MiB/s  (${fmt(ms)} ms)`);
  console.log(`  NAR stream / raw libp2p ${(rate(narSize, narMs) / rate(SIZE, rawMs)).toFixed(2)}, raw libp2p / raw TCP ${(rate(SIZE, rawMs) / rate(SIZE, tcpMs)).toFixed(2)}`);
  console.log(`  NAR stream / raw TCP ${(rate(narSize, narMs) / rate(SIZE, tcpMs)).toFixed(2)}, NAR stream / sha256 ${(rate(narSize, narMs) / rate(SIZE, shaMs)).toFixed(2)}, tix copy / NAR stream ${(rate(narSize, copyMs) / rate(narSize, narMs)).toFixed(2)}`);
} finally {
  await client.stop();
  await Promise.all([a.stop(), b.stop()]);
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
