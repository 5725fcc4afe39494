/**
 * The local control protocol of a running node: JSON lines over the Unix socket
 * `<state dir>/control.sock` (mode 0600: only the node's user may drive it).
 *
 *     request   {"id": 1, "method": "status", "params": {}}
 *     response  {"id": 1, "result": {...}}   or   {"id": 1, "error": {"code": "E_...", "message": "..."}}
 *
 * Methods: `status`, `findProviders` (hash parts → peer ids), `queryNarinfos` (store paths →
 * a provider's narinfo), `substitute` (store paths → made valid in the node's store),
 * `connect` (dial a multiaddr). The types and the client live here so the CLI and the substitution client reach the daemon
 * without importing node/.
 */

import { connect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PeerPenaltyStatus } from './peer-penalties.ts';

export const CONTROL_SOCKET_NAME = 'control.sock';

/**
 * The node's state directory when none is given: `$TIX_STATE_DIR`, else
 * `$XDG_STATE_HOME/tix/node`, else `~/.local/state/tix/node`. Shared by `tix node`, `tix copy`
 * and the build's P2P substituter, so they all find the same running node.
 */
export function defaultStateDir(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  if (env.TIX_STATE_DIR) return env.TIX_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'tix', 'node');
}

export function controlSocketPath(stateDir: string): string {
  return join(stateDir, CONTROL_SOCKET_NAME);
}

export interface PeerStatus {
  peerId: string;
  addresses: string[];
  /** Whether we hold its inventory (it is one of our neighbours). */
  neighbour: boolean;
  /** Paths in its inventory, when a neighbour. */
  paths: number | null;
}

export interface TransferCounters {
  narinfoRequestsServed: number;
  narinfosServed: number;
  /** NARs served, over libp2p streams and bulk channels together. */
  narsServed: number;
  narBytesServed: number;
  wireBytesServed: number;
  /** Of `narsServed`, those that went over a bulk channel. */
  bulkNarsServed: number;
  haveRequestsServed: number;
  requestsRefused: number;
  lookups: number;
  lookupPaths: number;
}

/** `tix node status --json` (these key names are the interface). */
export interface NodeStatus {
  peerId: string;
  /** Process id of the daemon. */
  pid: number;
  addresses: string[];
  /** Port of the HTTP binary-cache facade on 127.0.0.1; null when it is off (no --http-port). */
  httpPort: number | null;
  peers: PeerStatus[];
  /** Own valid paths announced to neighbours (and swept into the DHT when it reaches beyond them). */
  announced: number;
  dht: { routingTable: number; sweeps: number; records: number; skipped: number; lastSweepMs: number };
  transfers: TransferCounters;
  uptimeMs: number;
  /** Peers whose answers were rejected, most recent first (see peer-penalties.ts). */
  penalties: PeerPenaltyStatus[];
}

/**
 * How `tix node start` configures the daemon process it spawns (node/main.ts reads it as
 * one JSON argument, so flag syntax lives only in the CLI).
 */
export interface NodeConfig {
  stateDir: string;
  listen: string[];
  peers: string[];
  mdns: boolean;
  pskFile: string | null;
  /** The local tix store (the `store` setting) served, announced and substituted into. */
  store: string | null;
  /** `trusted-public-keys` for substitutes from peers. */
  trustedPublicKeys: string[];
  /** `require-sigs`. */
  requireSigs: boolean;
  /** A Nix binary cache directory to serve to peers. */
  serveCache: string | null;
  httpPort: number | null;
  storeDir: string;
  /**
   * `stalled-download-timeout` in seconds: a provider silent this long mid-narinfo or
   * mid-NAR is dropped for the next one; 0 waits forever. Absent: Nix's default, 300.
   */
  stalledDownloadTimeout?: number;
  /** `peer-penalty-threshold`: bad answers before a peer is skipped for every path. Absent: 3. */
  peerPenaltyThreshold?: number;
  /** `peer-penalty-cooldown` in seconds: how long such a peer is skipped. Absent: 600. */
  peerPenaltyCooldown?: number;
  /** `p2p-bulk-channel`: serve and fetch NARs over the direct bulk channel. Absent: true. */
  bulkChannel?: boolean;
}

/** The answer to `substitute`: base names substituted (with the peer), failed (with why), rejected answers. */
export interface SubstituteReply {
  substituted: Record<string, string>;
  failed: Record<string, string>;
  /** `kind`: lie, untrusted, missing or fault (peer-penalties.ts), or skipped (not asked: penalised). */
  rejected: { path: string; peer: string; reason: string; kind: string }[];
}

export interface ControlRequest {
  id: number;
  method: string;
  params?: unknown;
}

export type ControlResponse =
  | { id: number; result: unknown }
  | { id: number; error: { code: string; message: string } };

/** A control-socket error: the node is not running, or it answered with an error. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One connection to a node's control socket. */
export class ControlClient {
  readonly #socket: Socket;
  #buffer = '';
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.#onData(d));
    const fail = (e: Error): void => {
      for (const p of this.#pending.values()) p.reject(new ControlError('E_CONTROL_CLOSED', `node closed the control connection: ${e.message}`));
      this.#pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static async connect(stateDir: string, timeoutMs = 5000): Promise<ControlClient> {
    const path = controlSocketPath(stateDir);
    return await new Promise((resolve, reject) => {
      const s = connect(path);
      const t = setTimeout(() => { s.destroy(); reject(new ControlError('E_CONTROL_TIMEOUT', `no answer from the node at ${path}`)); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); resolve(new ControlClient(s)); });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        const missing = e.code === 'ENOENT' || e.code === 'ECONNREFUSED';
        reject(new ControlError('E_NODE_NOT_RUNNING', missing ? `no tix node is running with state dir '${stateDir}' (start one with 'tix node start')` : `cannot reach the node at ${path}: ${e.message}`, { cause: e }));
      });
    });
  }

  async request(method: string, params: unknown = {}, timeoutMs = 10_000): Promise<unknown> {
    const id = this.#nextId++;
    const req: ControlRequest = { id, method, params };
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.#pending.delete(id); reject(new ControlError('E_CONTROL_TIMEOUT', `node did not answer '${method}' within ${timeoutMs} ms`)); }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => { clearTimeout(t); resolve(v); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
      this.#socket.write(JSON.stringify(req) + '\n');
    });
  }

  async status(): Promise<NodeStatus> {
    return (await this.request('status')) as NodeStatus;
  }

  /** Providers of each hash part, as the node's lookup finds them (neighbours, then the DHT). */
  async findProviders(hashParts: readonly string[]): Promise<Record<string, string[]>> {
    return (await this.request('findProviders', { hashParts })) as Record<string, string[]>;
  }

  /**
   * Have the node substitute absolute store `paths` (with their closures) from peers into
   * its store, checking signatures and hashes itself.
   */
  async substitute(paths: readonly string[], timeoutMs = 600_000): Promise<SubstituteReply> {
    return (await this.request('substitute', { paths }, timeoutMs)) as SubstituteReply;
  }

  /** The narinfo text of each absolute store path that some peer has (unverified: the caller checks). */
  async queryNarinfos(paths: readonly string[]): Promise<Record<string, string>> {
    return (await this.request('queryNarinfos', { paths }, 60_000)) as Record<string, string>;
  }

  /** Dial a peer by multiaddr (with /p2p/<id>). */
  async connect(address: string): Promise<void> {
    await this.request('connect', { address });
  }

  close(): void {
    this.#socket.end();
  }

  #onData(d: string): void {
    this.#buffer += d;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      let res: ControlResponse;
      try {
        res = JSON.parse(line) as ControlResponse;
      } catch {
        continue;
      }
      const p = this.#pending.get(res.id);
      if (!p) continue;
      this.#pending.delete(res.id);
      if ('error' in res) p.reject(new ControlError(res.error.code, res.error.message));
      else p.resolve(res.result);
    }
  }
}
