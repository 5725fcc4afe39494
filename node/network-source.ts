/**
 * Paths the node's store lacks, as the P2P network has them — the second half of what the
 * HTTP facade serves (node/facade-source.ts puts the local store first):
 *
 * - `queryPathInfos`: providers from the lookup service, then their narinfos (one batched
 *   request per provider), the whole thing bounded by FACADE_LOOKUP_MS: whatever is not
 *   known by then is a miss, which the facade turns into a fast 404. Of several providers'
 *   narinfos, the first one our trust policy accepts wins, else the first one at all: the
 *   narinfo is passed on with its own signatures, and the Nix client judges them.
 * - `openNar`: the NAR from a provider that answered for the path, capped at the narinfo's
 *   NarSize and hashed while it streams. A provider cut off or stalled mid-NAR is replaced
 *   by the next one from the same byte. The last chunk is held back until the hash and
 *   size match, so a lying provider, or failing ones with none left, end in an error (the
 *   facade aborts the response) and never in a complete, wrong body.
 */

import { Hasher } from '../src/hash/index.ts';
import { parseNarInfo, type NarInfo, type StoreDir } from '../src/store/index.ts';
import { checkPathInfo, type TrustPolicy } from '../src/trust/index.ts';
import {
  fetchNarAny, NarinfoBatcher, PeerError, PROTOCOL_NAR, type AbortOptions, type NarStream, type PeerDialer, type PeerPenalties,
  type PeerSlots, type ProviderFinder, queryNarinfos, rejectionKind, type ServedPathInfo,
} from '../src/substitute/index.ts';
import { FACADE_CACHE_ENTRIES, FACADE_CACHE_MS, FACADE_LOOKUP_MS, FACADE_NAR_IDLE_MS } from './constants.ts';
import type { Logger } from './log.ts';

export interface NetworkSourceComponents {
  finder: ProviderFinder;
  dialer: PeerDialer;
  storeDir: StoreDir;
  log: Logger;
  /** Requests in flight per peer, shared with the node's substitutions. */
  narinfoSlots: PeerSlots;
  penalties?: PeerPenalties;
  /** Used only to prefer a narinfo the node itself would accept. */
  policy?: TrustPolicy;
  /** Fetch NARs of BULK_MIN_NAR_BYTES or more over a provider's bulk channel when it offers one. */
  bulk?: boolean;
  now: () => number;
}

export interface NetworkSourceInit {
  lookupMs?: number;
  narIdleMs?: number;
}

/** A NAR stream and the provider it comes from. */
interface NarFrom {
  readonly peer: string;
  readonly chunks: AsyncIterable<Uint8Array>;
}

interface Found {
  readonly served: ServedPathInfo;
  readonly info: NarInfo;
  /** Providers that answered with a narinfo of this NAR hash, best first. */
  readonly peers: string[];
  readonly at: number;
}

export class NetworkSource {
  readonly #c: NetworkSourceComponents;
  readonly #lookupMs: number;
  readonly #narIdleMs: number;
  /** Insertion-ordered: the oldest entry is dropped first. */
  readonly #found = new Map<string, Found>();
  readonly stats = { lookups: 0, found: 0, timeouts: 0, nars: 0, narFailures: 0, narFailovers: 0 };

  constructor(components: NetworkSourceComponents, init: NetworkSourceInit = {}) {
    this.#c = components;
    this.#lookupMs = init.lookupMs ?? FACADE_LOOKUP_MS;
    this.#narIdleMs = init.narIdleMs ?? FACADE_NAR_IDLE_MS;
  }

  async queryPathInfos(hashParts: readonly string[], options: AbortOptions = {}): Promise<Map<string, ServedPathInfo>> {
    const out = new Map<string, ServedPathInfo>();
    const now = this.#c.now();
    const wanted: string[] = [];
    for (const h of hashParts) {
      const f = this.#found.get(h);
      if (f && now - f.at < FACADE_CACHE_MS) out.set(h, f.served);
      else wanted.push(h);
    }
    if (wanted.length === 0) return out;
    this.stats.lookups++;
    const bound = AbortSignal.timeout(this.#lookupMs);
    const signal = options.signal ? AbortSignal.any([options.signal, bound]) : bound;
    // Answers that arrive after the bound still fill the cache for the client's retry.
    const work = this.#lookup(wanted, signal).catch((e: unknown) => {
      if (!signal.aborted) this.#c.log.debug(`network lookup failed: ${(e as Error).message}`);
    });
    await Promise.race([work, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    if (bound.aborted) this.stats.timeouts++;
    for (const h of wanted) {
      const f = this.#found.get(h);
      if (f) out.set(h, f.served);
    }
    return out;
  }

  async openNar(hashPart: string, options: AbortOptions = {}): Promise<NarStream | undefined> {
    const found = this.#found.get(hashPart) ?? (await this.queryPathInfos([hashPart], options), this.#found.get(hashPart));
    if (!found) return undefined;
    const first = await this.#fetchFromNext(found, new Set(), options.signal);
    if (!first) {
      // Nobody serves it any more: the next request looks again.
      this.#found.delete(hashPart);
      return undefined;
    }
    this.stats.nars++;
    return { narSize: found.info.narSize, chunks: this.#verified(first, found, options.signal) };
  }

  /** The NAR from the best provider of `found` not in `tried` (added to it), or undefined when none answers. */
  async #fetchFromNext(found: Found, tried: Set<string>, signal: AbortSignal | undefined): Promise<NarFrom | undefined> {
    const hashPart = found.info.path.hashPart;
    const narSize = found.info.narSize;
    const peers = this.#c.penalties ? this.#c.penalties.order(found.peers, hashPart, this.#c.now()).use : found.peers;
    for (const peer of peers) {
      if (tried.has(peer)) continue;
      tried.add(peer);
      try {
        // A header announcing fewer bytes than NarSize fails in #verified, before the last chunk.
        const nar = await fetchNarAny(this.#c.dialer, peer, hashPart, { maxBytes: narSize, signal, idleTimeoutMs: this.#narIdleMs, bulk: this.#c.bulk });
        return { peer, chunks: nar.chunks };
      } catch (e) {
        if (signal?.aborted) throw e;
        this.#c.log.debug(`NAR of ${hashPart} from ${peer}: ${(e as Error).message}`);
      }
    }
    return undefined;
  }

  /**
   * The NAR's chunks, with the last one released only once hash and size are right. A
   * provider that stalls or is cut off mid-NAR is replaced by the next one, read from the
   * byte where the first stopped (the bytes before it are skipped): the response goes on
   * and the hash over what was sent still decides. A provider that sent wrong or too many
   * bytes ends the response, since what the client already has cannot be taken back.
   */
  async *#verified(first: NarFrom, found: Found, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
    const { info } = found;
    const hasher = new Hasher(info.narHash.algo);
    const tried = new Set([first.peer]);
    let held: Uint8Array | undefined;
    for (let source = first; ;) {
      const { peer } = source;
      const fail = (code: 'E_PEER_LIMIT' | 'E_PEER_TRUNCATED' | 'E_PEER_MISMATCH', msg: string): PeerError => new PeerError(code, peer, PROTOCOL_NAR, msg);
      // A replacement provider sends from the start: skip what the client already has.
      let skip = hasher.size;
      try {
        for await (let chunk of source.chunks) {
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          hasher.update(chunk);
          if (hasher.size > info.narSize) throw fail('E_PEER_LIMIT', `${peer} sent more than the ${info.narSize} bytes of ${info.path.baseName}`);
          if (held) yield held;
          held = chunk;
        }
        if (hasher.size !== info.narSize) throw fail('E_PEER_TRUNCATED', `${peer} sent ${hasher.size} of the ${info.narSize} bytes of ${info.path.baseName}`);
        if (!hasher.digest().equals(info.narHash)) throw fail('E_PEER_MISMATCH', `${peer} sent a NAR of ${info.path.baseName} with the wrong hash`);
        break;
      } catch (e) {
        // The client went away: nothing to hold against the peer.
        if (signal?.aborted) throw e;
        this.stats.narFailures++;
        const kind = rejectionKind(e);
        // A peer that sent wrong bytes is not asked again for this path (Nix retries the download).
        const at = found.peers.indexOf(peer);
        if (kind === 'lie' && at >= 0) found.peers.splice(at, 1);
        this.#c.penalties?.record(peer, info.path.hashPart, kind, (e as Error).message, this.#c.now());
        const next = kind === 'lie' ? undefined : await this.#fetchFromNext(found, tried, signal);
        if (!next) {
          this.#c.log.warn(`aborting the NAR of ${info.path.baseName}: ${(e as Error).message}`);
          throw e;
        }
        this.stats.narFailovers++;
        this.#c.log.warn(`NAR of ${info.path.baseName}: ${(e as Error).message}; going on from byte ${hasher.size} with ${next.peer}`);
        source = next;
      }
    }
    if (held) yield held;
  }

  async #lookup(hashParts: string[], signal: AbortSignal): Promise<void> {
    const providers = await this.#c.finder.findProviders(hashParts, { signal });
    const { dialer, narinfoSlots, penalties, policy, storeDir } = this.#c;
    const narinfos = new NarinfoBatcher((peer, hps) => narinfoSlots.run(peer, () => queryNarinfos(dialer, peer, hps, { signal, idleTimeoutMs: this.#lookupMs })));
    const now = this.#c.now();
    await Promise.all(hashParts.map(async (h) => {
      const all = providers.get(h) ?? [];
      const ordered = penalties ? penalties.order(all, h, now).use : all;
      // Ask every provider at once (one batch each): the bound is short, a slow one must not hide the rest.
      const answers = await Promise.all(ordered.map(async (peer) => {
        try {
          const text = await narinfos.get(peer, h);
          return text === undefined ? undefined : { peer, text, info: parseNarInfo(text, { whence: `narinfo from ${peer}`, storeDir }) };
        } catch (e) {
          this.#c.log.debug(`narinfo of ${h} from ${peer}: ${(e as Error).message}`);
          return undefined;
        }
      }));
      const ok = answers.filter((a) => a !== undefined && a.info.path.hashPart === h);
      const best = ok.find((a) => !policy || checkPathInfo(a!.info, policy, { expectedPath: a!.info.path }).ok) ?? ok[0];
      if (!best) return;
      // Any provider whose narinfo names the same NAR can serve the bytes.
      const peers = ok.filter((a) => a!.info.narHash.equals(best.info.narHash) && a!.info.narSize === best.info.narSize).map((a) => a!.peer);
      this.#remember(h, { served: { storePath: best.info.path, narSize: best.info.narSize, narinfo: best.text }, info: best.info, peers, at: this.#c.now() });
    }));
  }

  #remember(hashPart: string, found: Found): void {
    this.#found.delete(hashPart);
    this.#found.set(hashPart, found);
    this.stats.found++;
    while (this.#found.size > FACADE_CACHE_ENTRIES) this.#found.delete(this.#found.keys().next().value!);
  }
}
