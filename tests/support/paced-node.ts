/**
 * A real tix node (TixNode over a LocalStore, as `tix node start --store` runs it) whose NAR
 * server sends slowly, so a test can hit it with a signal while a NAR is on the wire:
 *
 *   node tests/support/paced-node.ts node start --state DIR --store ROOT --listen ADDR --no-mdns
 *
 * (the flags of `tix node start` it needs, so `NodeProcess` can start it). Only the timing
 * of the NAR bytes differs from the real daemon:
 *
 *   TIX_TEST_PACE_MS       pause before each 16 KiB of NAR (default 20)
 *   TIX_TEST_STALL_AFTER   after this many NAR bytes send nothing more (a slowloris) until
 *                          the stream is aborted or the node stops
 *   TIX_TEST_STALL_TOKEN   a file path: only the first stream (of any node given the same
 *                          path) to create it stalls; the others serve normally. The test
 *                          so gets one stalling provider: whichever is asked first.
 *
 * It logs `paced-node: sending NAR <hashPart>` to stderr when the first NAR bytes leave, and
 * `paced-node: stalling` when it stops sending; the test watches for these.
 */

import { writeFileSync } from 'node:fs';
import { LocalStore, resolveStoreLayout } from '../../src/store/local/index.ts';
import type { AbortOptions, NarSource, NarStream } from '../../src/substitute/index.ts';
import { TixNode } from '../../node/daemon.ts';
import { createLogger } from '../../node/log.ts';
import { LocalStoreSource } from '../../node/store-source.ts';

const CHUNK = 16 * 1024;
/** Longest a stalling stream is held, so a forgotten process still ends (every wait is bounded). */
const MAX_STALL_MS = 120_000;

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const stateDir = flag('state');
const storeRoot = flag('store');
if (args[0] !== 'node' || args[1] !== 'start' || !stateDir || !storeRoot) {
  process.stderr.write('usage: paced-node.ts node start --state DIR --store ROOT [--listen ADDR] [--no-mdns]\n');
  process.exit(2);
}
const paceMs = Number(process.env.TIX_TEST_PACE_MS ?? 20);
const stallAfter = process.env.TIX_TEST_STALL_AFTER === undefined ? Infinity : Number(process.env.TIX_TEST_STALL_AFTER);
const stallToken = process.env.TIX_TEST_STALL_TOKEN;

/** Whether this stream is the one to stall: always without a token, else only its first taker. */
function takeStall(): boolean {
  if (stallAfter === Infinity) return false;
  if (stallToken === undefined) return true;
  try {
    writeFileSync(stallToken, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}
const log = createLogger('paced-node');
const stopping = new AbortController();

const sleep = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  const t = setTimeout(done, ms);
  function done(): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
  signal.addEventListener('abort', done, { once: true });
});

/** The store's NARs, re-cut into 16 KiB pieces with a pause before each. */
class PacedNars implements NarSource {
  readonly #inner: NarSource;
  constructor(inner: NarSource) { this.#inner = inner; }

  async openNar(hashPart: string, options: AbortOptions = {}): Promise<NarStream | undefined> {
    const nar = await this.#inner.openNar(hashPart, options);
    if (!nar) return undefined;
    const signal = AbortSignal.any([stopping.signal, ...(options.signal ? [options.signal] : [])]);
    const limit = takeStall() ? stallAfter : Infinity;
    async function* paced(): AsyncGenerator<Uint8Array> {
      let sent = 0;
      for await (const chunk of nar!.chunks) {
        for (let i = 0; i < chunk.length; i += CHUNK) {
          await sleep(paceMs, signal);
          if (sent === 0) process.stderr.write(`paced-node: sending NAR ${hashPart}\n`);
          let piece = chunk.subarray(i, Math.min(chunk.length, i + CHUNK));
          if (sent + piece.length > limit) piece = piece.subarray(0, Math.max(0, limit - sent));
          if (piece.length > 0) yield piece;
          sent += piece.length;
          if (sent >= limit) {
            process.stderr.write('paced-node: stalling\n');
            await sleep(MAX_STALL_MS, signal);
            throw new Error('stalled stream given up');
          }
        }
      }
    }
    return { narSize: nar.narSize, chunks: paced() };
  }
}

const store = await LocalStore.open(resolveStoreLayout(storeRoot));
const source = new LocalStoreSource(store, log.child('store'));
const node = await TixNode.create({
  stateDir, listen: [flag('listen') ?? '/ip4/127.0.0.1/tcp/0'], mdns: false, storeDir: store.storeDir.dir,
}, { source, nars: new PacedNars(source), log });
const stop = (): void => {
  stopping.abort();
  void node.stop().finally(async () => {
    await source.close();
    await store.close();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await node.start();
