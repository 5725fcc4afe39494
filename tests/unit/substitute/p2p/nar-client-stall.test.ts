/**
 * The NAR and narinfo clients' idle timeout (Nix's stalled-download-timeout) over an
 * in-memory peer stream that sends what the test scripts and then, optionally, nothing:
 * a silent peer is dropped after the idle time however far the transfer got, a slow but
 * steady one is waited for however long the whole transfer takes.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { encodeFrame, fetchNar, PeerError, queryNarinfos, type Message, type PeerDialer, type PeerStream, type StreamEvents } from '../../../../src/substitute/index.ts';

const PEER = '12D3KooWStallingPeerForTests';

/**
 * A peer stream that answers any request with `frames`, one every `gapMs`, then ends the
 * stream with a FIN or (with `hang`) sends nothing more until aborted. Records the abort.
 * It speaks the event side of a libp2p 3 stream ('message', 'remoteCloseWrite', 'close').
 */
class ScriptedStream implements PeerStream {
  aborted: Error | undefined;
  status = 'open';
  readonly readBufferLength = 0;
  readonly writeBufferLength = 0;
  readonly #frames: Uint8Array[];
  readonly #gapMs: number;
  readonly #hang: boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;

  readonly #listeners = new Map<string, Set<(e: never) => void>>();

  constructor(frames: Message[], gapMs: number, hang: boolean) {
    this.#frames = frames.map(encodeFrame);
    this.#gapMs = gapMs;
    this.#hang = hang;
  }

  send(): boolean {
    if (!this.#started) {
      this.#started = true;
      this.#play(0);
    }
    return true;
  }
  addEventListener<K extends keyof StreamEvents>(type: K, listener: (e: StreamEvents[K]) => void): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, set = new Set());
    set.add(listener);
  }
  removeEventListener<K extends keyof StreamEvents>(type: K, listener: (e: StreamEvents[K]) => void): void {
    this.#listeners.get(type)?.delete(listener);
  }
  #emit<K extends keyof StreamEvents>(type: K, e: StreamEvents[K]): void {
    for (const l of [...this.#listeners.get(type) ?? []]) (l as (e: StreamEvents[K]) => void)(e);
  }
  async close(): Promise<void> {}
  pause(): void {}
  resume(): void {}
  abort(err: Error): void {
    this.aborted ??= err;
    clearTimeout(this.#timer);
    this.status = 'aborted';
    this.#emit('close', { error: err });
  }

  /** Send frame `i` after the gap, then the next; a bounded script (the frames, then FIN or silence). */
  #play(i: number): void {
    this.#timer = setTimeout(() => {
      if (this.aborted) return;
      if (i < this.#frames.length) {
        this.#emit('message', { data: this.#frames[i]! });
        this.#play(i + 1);
      } else if (!this.#hang) {
        this.#emit('remoteCloseWrite', {});
      }
    }, this.#gapMs);
  }
}

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
    const s = new ScriptedStream([{ type: 'nar-header', compression: 'none', narSize: 4096 }, data(1000)], 0, true);
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
    const s = new ScriptedStream([], 0, true);
    await assert.rejects(fetchNar(dialerFor(s), PEER, 'a'.repeat(32), { maxBytes: 4096, idleTimeoutMs: 300 }), { code: 'E_PEER_TIMEOUT' });
    assert.ok(s.aborted);
  });

  it('waits for a slow peer whose whole transfer outlasts the timeout but no single gap does', async () => {
    // 20 frames 60 ms apart: ~1.3 s in all against an idle limit of 1 s.
    const frames: Message[] = [{ type: 'nar-header', compression: 'none', narSize: 18 * 100 }];
    for (let i = 0; i < 18; i++) frames.push(data(100));
    frames.push({ type: 'nar-end', narSize: 1800 });
    const s = new ScriptedStream(frames, 60, false);
    const nar = await fetchNar(dialerFor(s), PEER, 'a'.repeat(32), { maxBytes: 4096, idleTimeoutMs: 1000 });
    assert.equal(await drain(nar.chunks), 1800);
    assert.equal(s.aborted, undefined);
  });

  it('without a timeout keeps waiting until the caller aborts', async () => {
    const s = new ScriptedStream([{ type: 'nar-header', compression: 'none', narSize: 4096 }, data(10)], 0, true);
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
    const s = new ScriptedStream([], 0, true);
    await assert.rejects(queryNarinfos(dialerFor(s), PEER, ['a'.repeat(32)], { idleTimeoutMs: 300 }), { code: 'E_PEER_TIMEOUT' });
    assert.ok(s.aborted);
  });
});
