/**
 * Substituting store paths from peers, closure first. Nix: `SubstitutionGoal` with one
 * "substituter" per provider: for each missing path, find its providers (neighbours'
 * inventories, then the DHT: the `ProviderFinder`), and for each provider in turn
 *
 *   1. fetch its narinfo (every path asked of one provider in the same turn goes out as one
 *      batched request) and refuse one for another path;
 *   2. check the signature against `trusted-public-keys` (`require-sigs`; content-addressed
 *      paths may prove themselves), *before* downloading anything;
 *   3. substitute the missing references first (the store takes a path only after them);
 *   4. stream the NAR into the store's import, which restores into a temp dir while hashing,
 *      stops at the first byte past NarSize, compares hash and size and registers atomically.
 *
 * Any failure (timeout, disconnect, wrong hash, bad or missing signature, malformed NAR or
 * narinfo, oversize) drops that provider for that path and the next one is tried; the
 * store's import guarantees nothing partial becomes valid or stays behind. When every
 * provider failed and some only for a passing reason (unreachable, reset, stalled, busy —
 * providers restarting while a big closure streams in), they are asked again after a
 * pause, at most RETRY_DELAYS_MS.length times; one that gave any other answer is not. With
 * `penalties`, every rejection is recorded against the peer (peer-penalties.ts says what
 * each kind costs it), and peers skipped for a path are not asked at all.
 */

import { parseNarInfo, type NarInfo } from '../../store/narinfo.ts';
import type { StoreDir } from '../../store/store-dir.ts';
import type { StorePath } from '../../store/store-path.ts';
import { checkPathInfo, type TrustPolicy } from '../../trust/verdict.ts';
import { RejectedAnswer } from './errors.ts';
import { fetchNarAny } from './bulk-client.ts';
import { NarinfoBatcher } from './narinfo-batcher.ts';
import { queryNarinfos } from './narinfo-client.ts';
import { rejectionKind, type PeerPenalties, type PenaltyOutcome } from './peer-penalties.ts';
import { NARINFO_PER_PEER, NARS_PER_PEER, PeerSlots } from './peer-slots.ts';
import type { AbortOptions, PeerDialer, ProviderFinder } from './types.ts';

/** The store operations substitution needs (LocalStore has them). */
export interface PeerImporter {
  queryValidPaths(paths: readonly StorePath[]): Promise<StorePath[]>;
  importNar(path: StorePath, nar: AsyncIterable<Uint8Array>, info: NarInfo, options: AbortOptions): Promise<void>;
}

export interface PeerSubstituteComponents {
  finder: ProviderFinder;
  dialer: PeerDialer;
  store: PeerImporter;
  policy: TrustPolicy;
  /**
   * Offer zstd on NAR streams (default off: on a LAN or loopback, compressing on the serving
   * side costs more time than the bytes saved; worth it on slow links).
   */
  zstd?: boolean;
  /**
   * Fetch NARs over a peer's bulk channel (a direct TCP connection with AEAD records,
   * bulk-client.ts) when it offers one, else over the libp2p stream; default off.
   */
  bulk?: boolean;
  /**
   * Smallest NarSize worth a bulk channel (default BULK_MIN_NAR_BYTES): below it the extra
   * round trips of setting one up cost more than the faster channel saves.
   */
  bulkMinBytes?: number;
  /** Told when a bulk channel could not be set up and the libp2p stream is used instead. */
  onBulkFallback?: (path: StorePath, peer: string, reason: string) => void;
  /**
   * Drop a provider that sends nothing for this long, mid-narinfo or mid-NAR, and try the
   * next one (Nix's `stalled-download-timeout`); 0 or absent: wait forever.
   */
  stallTimeoutMs?: number;
  /** Called once per rejected provider answer, with the reason (for logs and the CLI). */
  onReject?: (path: StorePath, peer: string, reason: string, outcome: PenaltyOutcome | undefined) => void;
  /** Where rejections are recorded and skipped peers looked up; none: every provider is always asked. */
  penalties?: PeerPenalties;
  /** The clock for `penalties` (ms); default Date.now is not used here: pass it in. */
  now?: () => number;
  /** Called for each provider not asked for a path because of its penalties. */
  onSkip?: (path: StorePath, peer: string, reason: string) => void;
  /**
   * Request slots per peer, shared by every substitution of a node (concurrent `tix build`
   * jobs each start their own); absent: this substitution's own.
   */
  slots?: { narinfo: PeerSlots; nar: PeerSlots };
}

export interface PeerSubstituteResult {
  /** Paths made valid by this call (references included), with the peer each came from. */
  readonly substituted: Map<string, string>;
  /** Paths that could not be substituted, with the last reason. */
  readonly failed: Map<string, string>;
}

export class PeerSubstitution {
  readonly #c: PeerSubstituteComponents;
  readonly #storeDir: StoreDir;
  readonly #providers = new Map<string, string[]>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #result: PeerSubstituteResult = { substituted: new Map(), failed: new Map() };
  readonly #options: AbortOptions;
  readonly #narinfoSlots: PeerSlots;
  readonly #narSlots: PeerSlots;
  readonly #narinfos: NarinfoBatcher;

  constructor(c: PeerSubstituteComponents, options: AbortOptions = {}) {
    this.#c = c;
    this.#narinfoSlots = c.slots?.narinfo ?? new PeerSlots(NARINFO_PER_PEER);
    this.#narSlots = c.slots?.nar ?? new PeerSlots(NARS_PER_PEER);
    this.#storeDir = c.policy.storeDir;
    this.#options = options;
    this.#narinfos = new NarinfoBatcher((peer, hashParts, o) => this.#narinfoSlots.run(peer,
      () => queryNarinfos(c.dialer, peer, hashParts, { ...o, idleTimeoutMs: c.stallTimeoutMs ?? 0 })), options);
  }

  /** Make `paths` (and their closures) valid from peers, several at once. */
  async run(paths: readonly StorePath[]): Promise<PeerSubstituteResult> {
    // One lookup for all of them (a closure of 1,000 paths is one batched round, not 1,000).
    const valid = new Set((await this.#c.store.queryValidPaths(paths)).map((p) => p.baseName));
    await this.#findProviders(paths.filter((p) => !valid.has(p.baseName)));
    await Promise.all(paths.map((p) => this.#one(p).catch((e: Error) => { this.#result.failed.set(p.baseName, e.message); })));
    return this.#result;
  }

  #one(p: StorePath): Promise<void> {
    let job = this.#running.get(p.baseName);
    if (!job) {
      job = this.#substitute(p);
      this.#running.set(p.baseName, job);
    }
    return job;
  }

  async #substitute(p: StorePath): Promise<void> {
    if ((await this.#c.store.queryValidPaths([p])).length > 0) return;
    const printed = this.#storeDir.printPath(p);
    const found = await this.#findProviders([p]).then((m) => m.get(p.hashPart) ?? []);
    const pen = this.#c.penalties;
    const now = this.#c.now ?? ((): number => 0);
    const { use, skipped } = pen ? pen.order(found, p.hashPart, now()) : { use: found, skipped: [] };
    for (const s of skipped) this.#c.onSkip?.(p, s.peer, s.reason);
    let last = skipped.length > 0 ? `every provider is skipped: ${skipped[skipped.length - 1]!.reason}` : 'no peer provides it';
    /** Providers whose answer was wrong or absent (not merely unreachable): not asked again. */
    const refused = new Set<string>();
    for (let pass = 0; ; pass++) {
      let transient = false;
      for (const peer of use) {
        if (refused.has(peer)) continue;
        this.#options.signal?.throwIfAborted();
        // A rejection recorded meanwhile (another path's attempt) may have cooled this peer down.
        const why = pen?.skipReason(peer, p.hashPart, now());
        if (why !== undefined) {
          this.#c.onSkip?.(p, peer, why);
          last = why;
          refused.add(peer);
          continue;
        }
        let stage: 'narinfo' | 'references' | 'nar' = 'narinfo';
        try {
          const info = await this.#narinfo(peer, p);
          // No slot is held while the references are fetched: they may need the same peer.
          stage = 'references';
          await this.#references(info);
          stage = 'nar';
          await this.#narSlots.run(peer, async () => {
            const nar = await fetchNarAny(this.#c.dialer, peer, p.hashPart, {
              maxBytes: info.narSize, signal: this.#options.signal, idleTimeoutMs: this.#c.stallTimeoutMs ?? 0, acceptZstd: this.#c.zstd ?? false,
              bulk: this.#c.bulk, bulkMinBytes: this.#c.bulkMinBytes, onBulkFallback: (why) => this.#c.onBulkFallback?.(p, peer, why),
            });
            await this.#c.store.importNar(p, nar.chunks, info, this.#options);
          });
          this.#result.substituted.set(p.baseName, peer);
          return;
        } catch (e) {
          if (this.#options.signal?.aborted) throw e;
          // A reference that cannot be had is not this provider's lie (it may be gone everywhere).
          const err = stage === 'references' ? new RejectedAnswer('E_PEER_REFERENCE', (e as Error).message, { cause: e }) : e as Error;
          last = `${err.message} (from ${peer})`;
          const outcome = pen?.record(peer, p.hashPart, rejectionKind(err), err.message, now());
          this.#c.onReject?.(p, peer, err.message, outcome);
          if (isTransient(err)) transient = true;
          else refused.add(peer);
        }
      }
      // Every provider failed, and at least one only for a reason that may pass (it was
      // down, reset, stalled or busy): ask again after a pause, a bounded number of times.
      if (!transient || pass >= RETRY_DELAYS_MS.length) break;
      await sleep(RETRY_DELAYS_MS[pass]!, this.#options.signal);
    }
    throw new Error(`cannot substitute '${printed}' from peers: ${last}`);
  }

  /** The provider's narinfo for `p`, parsed and trusted, or an error saying why not. */
  async #narinfo(peer: string, p: StorePath): Promise<NarInfo> {
    const text = await this.#narinfos.get(peer, p.hashPart);
    if (text === undefined) throw new RejectedAnswer('E_PEER_NOT_FOUND', 'the peer does not have it (it was announced or listed as provided)');
    const info = parseNarInfo(text, { whence: `narinfo from ${peer}`, storeDir: this.#storeDir });
    const verdict = checkPathInfo(info, this.#c.policy, { expectedPath: p });
    if (!verdict.ok) throw new RejectedAnswer(verdict.forged ? 'E_PEER_FORGED' : 'E_PEER_UNTRUSTED', verdict.reason);
    return info;
  }

  /** Substitute the missing references of `info` first; fails if any cannot be had. */
  async #references(info: NarInfo): Promise<void> {
    const others = info.references.filter((r) => !r.equals(info.path));
    if (others.length === 0) return;
    const valid = new Set((await this.#c.store.queryValidPaths(others)).map((v) => v.baseName));
    const missing = others.filter((r) => !valid.has(r.baseName));
    if (missing.length === 0) return;
    await this.#findProviders(missing);
    await Promise.all(missing.map((r) => this.#one(r)));
  }

  /** Providers of `paths`, asked in one batch for those not asked yet. */
  async #findProviders(paths: readonly StorePath[]): Promise<Map<string, string[]>> {
    const ask = paths.map((p) => p.hashPart).filter((h) => !this.#providers.has(h));
    if (ask.length > 0) {
      const found = await this.#c.finder.findProviders(ask, this.#options);
      for (const h of ask) this.#providers.set(h, found.get(h) ?? []);
    }
    return new Map(paths.map((p) => [p.hashPart, this.#providers.get(p.hashPart)!]));
  }
}

/**
 * Pauses before asking a path's providers again when all of them failed for a passing
 * reason: a provider restarting on a LAN is back within a few seconds; after these the
 * path fails (and the builder may build it).
 */
export const RETRY_DELAYS_MS = [1000, 3000] as const;

/** Failures that say nothing against the provider's answer: it was unreachable, reset, stalled or busy. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['E_PEER_DIAL', 'E_PEER_TIMEOUT', 'E_PEER_TRUNCATED', 'E_PEER_REFUSED']);

function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
