/**
 * Client side of `/tix/narinfo/1.0.0`: the narinfos of many paths from one peer in one
 * round trip. The answer is checked only for being an answer to the question (each narinfo
 * names a requested path, none twice, the count matches); its signature and contents are
 * judged by the substitution client against the locally trusted keys.
 */

import { PeerError } from './errors.ts';
import { exchangeOnStream, FrameReader, writeMessage } from './frame-stream.ts';
import type { AbortOptions, PeerDialer } from './types.ts';
import { FRAME_CAP, MAX_PATHS_PER_REQUEST, PROTOCOL_NARINFO } from './wire.ts';

/** Narinfo texts by hash part for the requested paths `peer` has; absent ones are left out. */
export interface QueryNarinfosOptions extends AbortOptions {
  /** Give up when the peer sends nothing for this long; 0: never. */
  idleTimeoutMs?: number;
}

export async function queryNarinfos(dialer: PeerDialer, peer: string, hashParts: readonly string[], options: QueryNarinfosOptions = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < hashParts.length; i += MAX_PATHS_PER_REQUEST) {
    await queryBatch(dialer, peer, hashParts.slice(i, i + MAX_PATHS_PER_REQUEST), out, options);
  }
  return out;
}

async function queryBatch(dialer: PeerDialer, peer: string, batch: string[], out: Map<string, string>, options: QueryNarinfosOptions): Promise<void> {
  const idleMs = options.idleTimeoutMs ?? 0;
  const wanted = new Set(batch);
  const mismatch = (msg: string): PeerError => new PeerError('E_PEER_MISMATCH', peer, PROTOCOL_NARINFO, msg);
  await exchangeOnStream(dialer, peer, PROTOCOL_NARINFO, { signal: options.signal, idleMs }, async (stream, ctx) => {
    await writeMessage(stream, { type: 'narinfo-request', hashParts: batch }, ctx);
    const reader = new FrameReader(stream, FRAME_CAP.narinfo, ctx, { idleMs });
    let count = 0;
    for (;;) {
      const m = await reader.expect(['narinfo', 'end']);
      if (m.type === 'end') {
        if (m.count !== count) throw mismatch(`end frame counts ${m.count} narinfos, ${count} were sent`);
        return;
      }
      const hashPart = narinfoHashPart(m.text);
      if (hashPart === undefined) throw mismatch(`narinfo frame ${count + 1} has no valid StorePath line`);
      if (!wanted.has(hashPart)) throw mismatch(`narinfo for ${hashPart}, which was not requested or was sent twice`);
      wanted.delete(hashPart);
      out.set(hashPart, m.text);
      count++;
    }
  });
}

/**
 * The hash part of a narinfo's `StorePath: /<store>/<hash>-<name>` line (only what is
 * needed to match answers to requests; parsing proper is the narinfo parser's job).
 */
export function narinfoHashPart(text: string): string | undefined {
  const m = /^StorePath: \/(?:[^\n]*\/)?([0-9a-df-np-sv-z]{32})-[^\n/]+$/m.exec(text);
  return m?.[1];
}
