/**
 * Peer penalties: what a node remembers about peers whose answers it rejected, so that a
 * liar costs one failed attempt per path rather than one per request. Pure: the caller
 * passes the time in (`now`, milliseconds).
 *
 * The policy, kept small on purpose:
 *
 *   kind        what it is                                              effect
 *   lie         an answer that cannot be honest: wrong NAR hash or      skipped for that path for `pathBanMs`;
 *               size, more bytes than announced, a malformed NAR,       counts towards `threshold`
 *               narinfo or frame, a forged signature (trusted key,
 *               does not verify), an answer contradicting the request
 *   untrusted   a well-formed narinfo no trusted key signed (a team-    skipped for that path for `pathBanMs`
 *               mate's own key, an outsider inside the network key)     (asking again gets the same answer)
 *   missing     claimed the path (inventory, DHT) but does not have it  counted only
 *   fault       timeout, disconnect, busy, a failure on our side        counted only
 *
 * At `threshold` lies a peer is cooled down: skipped for every path for `cooldownMs`. Its
 * lie count starts again when the cooldown begins, so a peer that keeps lying is cooled
 * down again after `threshold` more. Faults and missing paths never skip a peer: a dropped
 * connection or a path garbage-collected a moment ago is no lie, and those cases already
 * fail fast. Providers are tried in the order found, those with fewer failures first.
 *
 * Memory is bounded: at most `maxPeers` peers (the least recently penalised are forgotten)
 * and `maxPathsPerPeer` path bans per peer (the oldest are dropped).
 */

import type { TixError } from '../../errors.ts';

export type RejectionKind = 'lie' | 'untrusted' | 'missing' | 'fault';

export interface PenaltyOptions {
  /** Lies that put a peer in cooldown (default 3). */
  readonly threshold?: number;
  /** How long a cooled-down peer is skipped for every path (default 10 min). */
  readonly cooldownMs?: number;
  /** How long a peer is skipped for a path it lied about or could not vouch for (default 1 h). */
  readonly pathBanMs?: number;
  readonly maxPeers?: number;
  readonly maxPathsPerPeer?: number;
}

/** One peer's record, as `tix node status --json` shows it under `penalties`. */
export interface PeerPenaltyStatus {
  peerId: string;
  /** Rejected answers of any kind. */
  failures: number;
  /** Lies since the last cooldown began. */
  lies: number;
  /** Cooldowns so far. */
  cooldowns: number;
  /** Until when (ms since the epoch) it is skipped for every path; null when it is not. */
  cooldownUntil: number | null;
  /** Paths it is currently skipped for. */
  bannedPaths: number;
  lastKind: RejectionKind;
  lastReason: string;
  /** When the last rejection happened (ms since the epoch). */
  lastAt: number;
}

interface Entry {
  failures: number;
  lies: number;
  cooldowns: number;
  cooldownUntil: number;
  /** hash part → until when it is skipped for that path. */
  paths: Map<string, number>;
  lastKind: RejectionKind;
  lastReason: string;
  lastAt: number;
}

/** What `record` decided. */
export interface PenaltyOutcome {
  readonly kind: RejectionKind;
  /** Lies counted towards the threshold (after this one). */
  readonly lies: number;
  /** This rejection started a cooldown. */
  readonly cooledDown: boolean;
}

export class PeerPenalties {
  readonly threshold: number;
  readonly cooldownMs: number;
  readonly pathBanMs: number;
  readonly #maxPeers: number;
  readonly #maxPaths: number;
  /** Insertion order = least recently penalised first (re-inserted on every record). */
  readonly #peers = new Map<string, Entry>();

  constructor(o: PenaltyOptions = {}) {
    this.threshold = Math.max(1, o.threshold ?? 3);
    this.cooldownMs = o.cooldownMs ?? 10 * 60_000;
    this.pathBanMs = o.pathBanMs ?? 60 * 60_000;
    this.#maxPeers = o.maxPeers ?? 1024;
    this.#maxPaths = o.maxPathsPerPeer ?? 10_000;
  }

  /** Remember a rejected answer of `peer` about `hashPart`. */
  record(peer: string, hashPart: string, kind: RejectionKind, reason: string, now: number): PenaltyOutcome {
    const e = this.#peers.get(peer) ?? { failures: 0, lies: 0, cooldowns: 0, cooldownUntil: 0, paths: new Map(), lastKind: kind, lastReason: reason, lastAt: now };
    this.#peers.delete(peer);
    this.#peers.set(peer, e);
    if (this.#peers.size > this.#maxPeers) this.#peers.delete(this.#peers.keys().next().value!);
    e.failures++;
    e.lastKind = kind;
    e.lastReason = reason;
    e.lastAt = now;
    let cooledDown = false;
    if (kind === 'lie' || kind === 'untrusted') {
      e.paths.delete(hashPart);
      e.paths.set(hashPart, now + this.pathBanMs);
      if (e.paths.size > this.#maxPaths) e.paths.delete(e.paths.keys().next().value!);
    }
    if (kind === 'lie' && ++e.lies >= this.threshold) {
      e.cooldownUntil = now + this.cooldownMs;
      e.cooldowns++;
      e.lies = 0;
      cooledDown = true;
    }
    return { kind, lies: cooledDown ? this.threshold : e.lies, cooledDown };
  }

  /** Why `peer` must not be asked for `hashPart` now, or undefined when it may be. */
  skipReason(peer: string, hashPart: string, now: number): string | undefined {
    const e = this.#peers.get(peer);
    if (!e) return undefined;
    if (e.cooldownUntil > now) {
      return `peer ${peer} is cooling down for ${Math.ceil((e.cooldownUntil - now) / 1000)} s more after ${this.threshold} rejected answers (last: ${e.lastReason})`;
    }
    const until = e.paths.get(hashPart);
    if (until !== undefined) {
      if (until > now) return `peer ${peer} is skipped for this path for ${Math.ceil((until - now) / 1000)} s more: it gave a bad answer for it before`;
      e.paths.delete(hashPart);
    }
    return undefined;
  }

  /** `peers` without those to skip for `hashPart`, fewest failures first (stable). */
  order(peers: readonly string[], hashPart: string, now: number): { use: string[]; skipped: { peer: string; reason: string }[] } {
    const use: string[] = [];
    const skipped: { peer: string; reason: string }[] = [];
    for (const p of peers) {
      const why = this.skipReason(p, hashPart, now);
      if (why === undefined) use.push(p);
      else skipped.push({ peer: p, reason: why });
    }
    const failures = (p: string): number => this.#peers.get(p)?.failures ?? 0;
    use.sort((a, b) => failures(a) - failures(b));
    return { use, skipped };
  }

  /** Every peer with a record, most recently penalised first; expired path bans are dropped. */
  status(now: number): PeerPenaltyStatus[] {
    const out: PeerPenaltyStatus[] = [];
    for (const [peerId, e] of this.#peers) {
      for (const [h, until] of e.paths) if (until <= now) e.paths.delete(h);
      out.push({
        peerId, failures: e.failures, lies: e.lies, cooldowns: e.cooldowns,
        cooldownUntil: e.cooldownUntil > now ? e.cooldownUntil : null,
        bannedPaths: e.paths.size, lastKind: e.lastKind, lastReason: e.lastReason, lastAt: e.lastAt,
      });
    }
    return out.reverse();
  }
}

/**
 * The kind of a rejection, from the error's stable code. Unknown errors are `fault`: a
 * failure we cannot pin on the peer (our disk, an abort) must not penalise it.
 */
export function rejectionKind(e: unknown): RejectionKind {
  const code = (e as Partial<TixError> | undefined)?.code;
  if (typeof code !== 'string') return 'fault';
  switch (code) {
    case 'E_PEER_TIMEOUT': case 'E_PEER_DIAL': case 'E_PEER_REFUSED': case 'E_PEER_TRUNCATED':
    case 'E_RESTORE_EXISTS': case 'E_RESTORE_IO': case 'E_REFERENCE_INVALID': case 'E_PEER_REFERENCE':
      return 'fault';
    case 'E_PEER_NOT_FOUND':
      return 'missing';
    case 'E_PEER_UNTRUSTED':
      return 'untrusted';
    case 'E_PEER_LIMIT': case 'E_PEER_PROTOCOL': case 'E_PEER_MISMATCH': case 'E_PEER_FORGED': case 'E_RESTORE_NAME':
      return 'lie';
  }
  // NAR format errors, hash and size mismatches (E_NAR_*), malformed narinfos (E_NARINFO_*).
  return code.startsWith('E_NAR') ? 'lie' : 'fault';
}
