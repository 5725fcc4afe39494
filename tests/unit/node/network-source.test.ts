/**
 * The HTTP facade's network side (node/network-source.ts) over in-memory peers that play
 * scripts: a provider cut off or stalled mid-NAR is replaced by the next one from the same
 * byte, so the client receives the whole, correct NAR in one response; a provider whose
 * bytes are wrong still ends the response with an error, as do cut providers with none
 * left. No real network: the peers are scripted streams (tests/support/scripted-stream.ts).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NetworkSource } from '../../../node/network-source.ts';
import { silentLogger } from '../../../node/log.ts';
import { type Message, PeerSlots, PROTOCOL_NAR, PROTOCOL_NARINFO } from '../../../src/substitute/index.ts';
import { type ScriptEnd, ScriptedStream, scriptedDialer } from '../../support/scripted-stream.ts';
import { madeUpPath, signedPath, storeDir } from '../../support/signed-paths.ts';

// A 1 MiB file: several nar-data frames, so a cut can fall in the middle.
const contents = new Uint8Array(1 << 20).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
const path = signedPath(madeUpPath('facade-failover'), ['nix-archive-1', '(', 'type', 'regular', 'contents', contents, ')'], undefined);
const hashPart = path.path.hashPart;
const FRAME = 64 * 1024;

/** How a scripted provider serves the NAR: all of it, or the first `upTo` bytes and then `end`. */
interface Serve { upTo?: number; end?: ScriptEnd; corrupt?: boolean }

function narFrames(serve: Serve): Message[] {
  const nar = serve.corrupt ? path.nar.map((b, i) => (i === path.nar.length - 100 ? b ^ 1 : b)) : path.nar;
  const upTo = serve.upTo ?? nar.length;
  const frames: Message[] = [{ type: 'nar-header', compression: 'none', narSize: nar.length }];
  for (let i = 0; i < upTo; i += FRAME) frames.push({ type: 'nar-data', bytes: nar.subarray(i, Math.min(i + FRAME, upTo)) });
  if (upTo === nar.length) frames.push({ type: 'nar-end', narSize: nar.length });
  return frames;
}

/** A NetworkSource whose providers, in this order, serve as `serves` says. */
function sourceWith(serves: Record<string, Serve>) {
  const peers = Object.keys(serves);
  const dialer = scriptedDialer((peer, protocol) => {
    if (protocol === PROTOCOL_NARINFO) return new ScriptedStream([{ type: 'narinfo', text: path.narinfo }, { type: 'end', count: 1 }], 0, 'fin');
    assert.equal(protocol, PROTOCOL_NAR);
    const serve = serves[peer]!;
    return new ScriptedStream(narFrames(serve), 0, serve.upTo === undefined ? 'fin' : serve.end ?? 'cut');
  });
  const source = new NetworkSource({
    finder: { findProviders: async (hps) => new Map(hps.map((h) => [h, peers])) },
    dialer,
    storeDir,
    log: silentLogger,
    narinfoSlots: new PeerSlots(4),
    now: () => Date.now(),
  }, { narIdleMs: 300 });
  const narsAskedOf = (): string[] => dialer.opened.filter((o) => o.protocol === PROTOCOL_NAR).map((o) => o.peer);
  return { source, narsAskedOf };
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

describe('NetworkSource.openNar()', () => {
  const cases: { name: string; first: Serve }[] = [
    { name: 'cut off in the middle of a frame', first: { upTo: 300_000 + 17 } },
    { name: 'cut off after the header only', first: { upTo: 0 } },
    { name: 'stalled half way', first: { upTo: path.nar.length >> 1, end: 'hang' } },
  ];
  for (const c of cases) {
    it(`goes on with the next provider from the same byte when the first is ${c.name}`, async () => {
      const { source, narsAskedOf } = sourceWith({ first: c.first, second: {} });
      const nar = await source.openNar(hashPart);
      assert.ok(nar);
      assert.equal(nar.narSize, path.narSize);
      const body = await readAll(nar.chunks);
      assert.ok(body.equals(path.nar), 'the client gets exactly the NAR');
      assert.deepEqual(narsAskedOf(), ['first', 'second']);
      assert.equal(source.stats.narFailovers, 1);
    });
  }

  it('fails the response when every provider is cut off', async () => {
    const { source, narsAskedOf } = sourceWith({ first: { upTo: 200_000 }, second: { upTo: 400_000 } });
    const nar = await source.openNar(hashPart);
    assert.ok(nar);
    await assert.rejects(readAll(nar.chunks), { code: 'E_PEER_TRUNCATED' });
    assert.deepEqual(narsAskedOf(), ['first', 'second']);
  });

  it('does not go on after a provider whose bytes were wrong: the client already has them', async () => {
    const { source, narsAskedOf } = sourceWith({ liar: { corrupt: true }, honest: {} });
    const nar = await source.openNar(hashPart);
    assert.ok(nar);
    let got = 0;
    await assert.rejects((async () => { for await (const c of nar.chunks) got += c.length; })(), { code: 'E_PEER_MISMATCH' });
    assert.ok(got < path.narSize, 'the last chunk is held back');
    assert.deepEqual(narsAskedOf(), ['liar']);
  });
});
