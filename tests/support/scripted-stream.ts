/**
 * In-memory peer streams for protocol tests: a stream that plays a script of tix frames,
 * and a dialer that hands out a fresh one per peer and protocol.
 */

import { encodeFrame, type Message, type PeerDialer, type PeerStream, type StreamEvents } from '../../src/substitute/index.ts';

export type ScriptEnd = 'fin' | 'hang' | 'cut';

/**
 * A peer stream that answers any request with `frames`, one every `gapMs`, then ends as
 * `end` says: a FIN ('fin'), nothing more until aborted ('hang'), or a cut connection
 * ('cut': closed with an error, no FIN). Records the abort. It speaks the event side of a
 * libp2p 3 stream ('message', 'remoteCloseWrite', 'close').
 */
export class ScriptedStream implements PeerStream {
  aborted: Error | undefined;
  status = 'open';
  readonly readBufferLength = 0;
  readonly writeBufferLength = 0;
  readonly #frames: Uint8Array[];
  readonly #gapMs: number;
  readonly #end: ScriptEnd;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started = false;

  readonly #listeners = new Map<string, Set<(e: never) => void>>();

  constructor(frames: Message[], gapMs: number, end: ScriptEnd) {
    this.#frames = frames.map(encodeFrame);
    this.#gapMs = gapMs;
    this.#end = end;
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

  /** Send frame `i` after the gap, then the next; a bounded script (the frames, then the end). */
  #play(i: number): void {
    this.#timer = setTimeout(() => {
      if (this.aborted) return;
      if (i < this.#frames.length) {
        this.#emit('message', { data: this.#frames[i]! });
        this.#play(i + 1);
      } else if (this.#end === 'fin') {
        this.#emit('remoteCloseWrite', {});
      } else if (this.#end === 'cut') {
        this.status = 'closed';
        this.#emit('close', {});
      }
    }, this.#gapMs);
  }
}

/** A dialer whose `script(peer, protocol)` makes each stream it opens. */
export function scriptedDialer(script: (peer: string, protocol: string) => ScriptedStream): PeerDialer & { opened: { peer: string; protocol: string }[] } {
  const opened: { peer: string; protocol: string }[] = [];
  return {
    opened,
    openStream: async (peer, protocol) => {
      opened.push({ peer, protocol });
      return script(peer, protocol);
    },
  };
}
