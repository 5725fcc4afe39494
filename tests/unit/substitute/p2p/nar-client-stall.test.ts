/**
 * The NAR and narinfo clients' idle timeout (Nix's stalled-download-timeout) over an
 * in-memory peer stream that sends what the test scripts and then, optionally, nothing:
 * a silent peer is dropped after the idle time however far the transfer got, a slow but
 * steady one is waited for however long the whole transfer takes.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { fetchNar, PeerError, queryNarinfos, type Message, type PeerDialer } from '../../../../src/substitute/index.ts';
import { ScriptedStream } from '../../../support/scripted-stream.ts';

const PEER = '12D3KooWStallingPeerForTests';

function dialerFor(stream: ScriptedStream): PeerDialer {
  return { openStream: async () => stream };
}

const data = (n: number): Message => ({ type: 'nar-data', bytes: new Uint8Array(n).fill(1) });

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of chunks) n += c.length;
  return n;
}

describe('fetchNar() idle timeout', () => {
  it('drops a peer that goes silent after starting the NAR, naming it', async () => {
    const s = new ScriptedStream([{ type: 'nar-header', compression: 'none', narSize: 4096 }, data(1000)], 0, 'hang');
    const nar = await fetchNar(dialerFor(s), PEER, 'a'.repeat(32), { maxBytes: 4096, idleTimeoutMs: 300 });
    await assert.rejects(drain(nar.chunks), (e: PeerError) => {
      assert.ok(e instanceof PeerError);
      assert.equal(e.code, 'E_PEER_TIMEOUT');
      assert.equal(e.peerId, PEER);
      assert.match(e.message, /stalled: no data for 300 ms after \d+ bytes/);
      return true;
    });
    assert.ok(s.aborted, 'the stream is aborted, so the peer learns we are gone');
  });

  it('drops a peer that never sends the NAR header', async () => {
    const s = new ScriptedStream([], 0, 'hang');
    await assert.rejects(fetchNar(dialerFor(s), PEER, 'a'.repeat(32), { maxBytes: 4096, idleTimeoutMs: 300 }), { code: 'E_PEER_TIMEOUT' });
    assert.ok(s.aborted);
  });

  it('waits for a slow peer whose whole transfer outlasts the timeout but no single gap does', async () => {
    // 20 frames 60 ms apart: ~1.3 s in all against an idle limit of 1 s.
    const frames: Message[] = [{ type: 'nar-header', compression: 'none', narSize: 18 * 100 }];
    for (let i = 0; i < 18; i++) frames.push(data(100));
    frames.push({ type: 'nar-end', narSize: 1800 });
    const s = new ScriptedStream(frames, 60, 'fin');
    const nar = await fetchNar(dialerFor(s), PEER, 'a'.repeat(32), { maxBytes: 4096, idleTimeoutMs: 1000 });
    assert.equal(await drain(nar.chunks), 1800);
    assert.equal(s.aborted, undefined);
  });

  it('without a timeout keeps waiting until the caller aborts', async () => {
    const s = new ScriptedStream([{ type: 'nar-header', compression: 'none', narSize: 4096 }, data(10)], 0, 'hang');
    const ac = new AbortController();
    const nar = await fetchNar(dialerFor(s), PEER, 'a'.repeat(32), { maxBytes: 4096, signal: ac.signal });
    const t = setTimeout(() => ac.abort(new Error('caller gave up')), 500);
    try {
      await assert.rejects(drain(nar.chunks), { code: 'E_PEER_TIMEOUT', message: /caller gave up/ });
    } finally {
      clearTimeout(t);
    }
  });
});

describe('queryNarinfos() idle timeout', () => {
  it('drops a peer that never answers', async () => {
    const s = new ScriptedStream([], 0, 'hang');
    await assert.rejects(queryNarinfos(dialerFor(s), PEER, ['a'.repeat(32)], { idleTimeoutMs: 300 }), { code: 'E_PEER_TIMEOUT' });
    assert.ok(s.aborted);
  });
});
