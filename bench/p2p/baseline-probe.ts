// Temporary probe: plain kad-dht provide/findProviders on N nodes in this one process.
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createTixHost, type TixHost } from '../../node/host.ts';
import { storePathKey } from '../../src/substitute/p2p/keys.ts';
import { benchPath, percentiles } from './paths.ts';

const N = Number(process.argv[2] ?? 5);
const P = Number(process.argv[3] ?? 100);
const C = Number(process.argv[4] ?? 16);
const hosts: TixHost[] = [];
for (let i = 0; i < N; i++) {
  hosts.push(await createTixHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false,
    bootstrap: i === 0 ? [] : [hosts[0]!.getMultiaddrs()[0]!.toString()] }));
}
const t0 = performance.now();
while (hosts.some((h) => (h.services.dht as any).routingTable.size < N - 1) && performance.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 200));
console.log('tables', hosts.map((h) => (h.services.dht as any).routingTable.size).join(','), Math.round(performance.now() - t0), 'ms');
const t1 = performance.now();
let done = 0;
await Promise.all(hosts.map(async (h, n) => {
  let next = 0;
  await Promise.all(Array.from({ length: C }, async () => {
    while (next < P) {
      const i = next++;
      for await (const _ of h.services.dht.provide(storePathKey('/nix/store', benchPath(n, i).hashPart))) { /* drain */ }
      done++;
    }
  }));
}));
const dt = performance.now() - t1;
console.log(`provided ${done} in ${Math.round(dt)} ms: ${(done / dt * 1000).toFixed(1)}/s total, ${(done / dt * 1000 / N).toFixed(1)}/s per node`);
const lat: number[] = [];
for (let q = 0; q < 100; q++) {
  const h = hosts[q % N]!;
  const target = benchPath((q + 1) % N, q % P);
  const t = performance.now();
  const ac = new AbortController();
  for await (const ev of h.services.dht.findProviders(storePathKey('/nix/store', target.hashPart), { signal: ac.signal })) {
    if (ev.name === 'PROVIDER') { ac.abort(); break; }
  }
  lat.push(performance.now() - t);
}
console.log('find', percentiles(lat));
await Promise.all(hosts.map((h) => h.stop()));
