/**
 * Server side of the bulk channel (src/substitute/p2p/bulk-client.ts has the client and the
 * why; bulk-records.ts the wire format). A TCP listener on each host the libp2p TCP
 * transport listens on (one port for all, chosen at start), and `/tix/bulk/1.0.0` on the
 * libp2p host:
 *
 * - a `bulk-request` for a valid path gets a `bulk-offer`: NarSize, the port, a one-time
 *   token and a fresh random 256-bit key (inside the noise stream, so only the authenticated
 *   peer — and in a PSK network only a member — learns them); the handler then waits until
 *   that transfer is over (the per-peer limit counts it) and closes the stream;
 * - a TCP connection must send a hello naming a live token with the right HMAC within
 *   BULK_HELLO_TIMEOUT_MS; the token is spent by the first attempt, right or wrong, and
 *   expires BULK_TOKEN_TTL_MS after the offer; anything else is closed without a byte;
 * - the NAR then goes out as AEAD records, the last one flagged final; a NAR source that
 *   yields more or fewer bytes than announced, or a client that stalls, ends the connection
 *   without the final record, so the client never takes it for a whole NAR.
 */

import type { Connection, Stream } from '@libp2p/interface';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import {
  BULK_HELLO_BYTES, BULK_KEY_BYTES, BULK_TOKEN_BYTES, checkHello, deriveBulkKeys, ERROR_CODE, FRAME_CAP, helloToken, PROTOCOL_BULK, RECORD_MAX, RecordSealer, writeMessage,
  type BulkKeys, type NarSource, type NarStream, type PathInfoSource,
} from '../src/substitute/index.ts';
import { MAX_INBOUND_STREAMS, NAR_MAX_CONCURRENT_PER_PEER, NAR_STALL_TIMEOUT_MS } from './constants.ts';
import type { TixHost } from './host.ts';
import type { Logger } from './log.ts';
import { PeerLimiter } from './peer-limiter.ts';
import { refuse, serveStream } from './serve-common.ts';

/** How long an offer waits for its TCP connection. */
export const BULK_TOKEN_TTL_MS = 10_000;
/** How long a new TCP connection has to send its hello. */
export const BULK_HELLO_TIMEOUT_MS = 5_000;
/** Open TCP connections per listener: anyone who can reach the port may connect, so bound what they hold. */
export const BULK_MAX_CONNECTIONS = 256;

export interface BulkServerComponents {
  host: TixHost;
  source: PathInfoSource;
  nars: NarSource;
  log: Logger;
}

interface Offer {
  /** Its token in hex: its key in the offers map. */
  readonly id: string;
  readonly keys: BulkKeys;
  readonly hashPart: string;
  readonly nar: NarStream;
  readonly timer: ReturnType<typeof setTimeout>;
  /** Settles when the transfer ended (or the offer expired or was refused). */
  readonly done: PromiseWithResolvers<void>;
  socket?: Socket;
}

/** The hosts of a node's TCP listen multiaddrs (`/ip4/H/tcp/N`, `/ip6/H/tcp/N`). */
export function tcpListenHosts(listen: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const a of listen) {
    const m = /^\/ip[46]\/([^/]+)\/tcp\/\d+/.exec(a);
    if (m) hosts.add(m[1]!);
  }
  return [...hosts];
}

export class BulkServer {
  readonly #c: BulkServerComponents;
  readonly #hosts: string[];
  readonly #servers: Server[] = [];
  readonly #offers = new Map<string, Offer>();
  /** Every open TCP connection, closed on stop (a hello may still be on its way). */
  readonly #sockets = new Set<Socket>();
  readonly #limiter = new PeerLimiter(NAR_MAX_CONCURRENT_PER_PEER);
  #shutdown = new AbortController();
  #port = 0;
  /** Transfers finished or failed, NAR bytes sent, hellos refused (wrong, replayed, expired tokens). */
  readonly stats = { served: 0, failed: 0, narBytes: 0, wireBytes: 0, badHellos: 0 };
  /** Offer requests answered, refused (busy, malformed) or failed. */
  readonly requests = { served: 0, refused: 0, failed: 0 };

  constructor(components: BulkServerComponents, init: { listen: readonly string[] }) {
    this.#c = components;
    this.#hosts = tcpListenHosts(init.listen);
  }

  /** Offers made and not yet taken up, expired or given up. */
  get pendingOffers(): number {
    return this.#offers.size;
  }

  /** The listeners' port (0 when none could listen: then no offers are made). */
  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    this.#shutdown = new AbortController();
    for (const host of this.#hosts) {
      const server = createServer({ noDelay: true }, (s) => this.#onConnection(s));
      server.maxConnections = BULK_MAX_CONNECTIONS;
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port: this.#port }, () => { server.off('error', reject); resolve(); });
        });
      } catch (e) {
        this.#c.log.warn(`bulk channel: cannot listen on ${host}:${this.#port}: ${(e as Error).message}`);
        continue;
      }
      server.on('error', (e) => this.#c.log.warn(`bulk channel listener: ${e.message}`));
      if (this.#port === 0) this.#port = (server.address() as { port: number }).port;
      this.#servers.push(server);
    }
    if (this.#port === 0) return;
    await this.#c.host.handle(PROTOCOL_BULK, (stream, conn) => this.#onStream(stream, conn), { maxInboundStreams: MAX_INBOUND_STREAMS });
  }

  async stop(): Promise<void> {
    this.#shutdown.abort(new Error('node stopping'));
    if (this.#port !== 0) await this.#c.host.unhandle(PROTOCOL_BULK);
    for (const o of this.#offers.values()) this.#settle(o);
    for (const s of this.#servers) s.close();
    for (const s of this.#sockets) s.destroy();
    this.#servers.length = 0;
    this.#port = 0;
  }

  async #onStream(stream: Stream, conn: Connection): Promise<void> {
    const opts = { protocol: PROTOCOL_BULK, frameCap: FRAME_CAP.bulk, limiter: this.#limiter, accept: ['bulk-request'] as const, log: this.#c.log, shutdown: this.#shutdown.signal, stats: this.requests };
    await serveStream(stream, conn, opts, async (req, ctx) => {
      const valid = await this.#c.source.queryPathInfos([req.hashPart], { signal: ctx.signal });
      // Each chunk is sealed (copied into its record) before the next is pulled.
      const nar = valid.has(req.hashPart) ? await this.#c.nars.openNar(req.hashPart, { signal: ctx.signal, reuseBuffers: true }) : undefined;
      if (!nar) {
        await refuse(ctx.stream, ctx, ERROR_CODE.notFound, `${req.hashPart} is not valid here`);
        return;
      }
      const token = new Uint8Array(randomBytes(BULK_TOKEN_BYTES));
      const key = new Uint8Array(randomBytes(BULK_KEY_BYTES));
      const id = Buffer.from(token).toString('hex');
      const offer: Offer = {
        id, keys: deriveBulkKeys(key, token), hashPart: req.hashPart, nar, done: Promise.withResolvers<void>(),
        timer: setTimeout(() => this.#settle(offer), BULK_TOKEN_TTL_MS),
      };
      this.#offers.set(id, offer);
      // The client gave up on the offer (it fell back to the libp2p stream) or the node stops.
      const onAbort = (): void => this.#settle(offer);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      ctx.stream.addEventListener('close', onAbort);
      try {
        await writeMessage(ctx.stream, { type: 'bulk-offer', narSize: nar.narSize, port: this.#port, token, key }, ctx);
        await offer.done.promise;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        ctx.stream.removeEventListener('close', onAbort);
        this.#settle(offer);
      }
      await ctx.stream.close({ signal: AbortSignal.timeout(NAR_STALL_TIMEOUT_MS) }).catch(() => {});
    });
  }

  /** End an offer: spent, expired or finished; its connection, if any, is closed. */
  #settle(o: Offer): void {
    clearTimeout(o.timer);
    this.#offers.delete(o.id);
    // A finished transfer's socket was ended (its data is on the way); anything else is cut.
    if (o.socket && !o.socket.writableEnded) o.socket.destroy();
    o.done.resolve();
  }

  #onConnection(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    socket.setTimeout(BULK_HELLO_TIMEOUT_MS, () => socket.destroy());
    let got: Buffer = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      got = got.length === 0 ? d : Buffer.concat([got, d]);
      if (got.length < BULK_HELLO_BYTES) return;
      socket.off('data', onData);
      socket.pause();
      const offer = this.#claim(got);
      if (!offer) {
        this.stats.badHellos++;
        socket.destroy();
        return;
      }
      offer.socket = socket;
      socket.setTimeout(NAR_STALL_TIMEOUT_MS, () => socket.destroy(new Error(`the client read nothing for ${NAR_STALL_TIMEOUT_MS} ms`)));
      void this.#send(socket, offer);
    };
    socket.on('data', onData);
  }

  /** The offer a hello names and proves, spending its token either way; undefined if none. */
  #claim(hello: Buffer): Offer | undefined {
    // Exactly one hello, nothing after it (helloToken checks the length): the client only
    // listens from here on.
    let id: string;
    try {
      id = Buffer.from(helloToken(hello)).toString('hex');
    } catch {
      return undefined;
    }
    const offer = this.#offers.get(id);
    if (!offer) return undefined;
    this.#offers.delete(id);
    clearTimeout(offer.timer);
    if (!checkHello(hello, offer.keys)) {
      this.#settle(offer);
      return undefined;
    }
    return offer;
  }

  async #send(socket: Socket, offer: Offer): Promise<void> {
    const sealer = new RecordSealer(offer.keys);
    const write = (parts: Uint8Array[]): boolean => {
      socket.cork();
      let ok = true;
      for (const p of parts) {
        ok = socket.write(p);
        this.stats.wireBytes += p.length;
      }
      socket.uncork();
      return ok;
    };
    let sent = 0;
    try {
      for await (const chunk of offer.nar.chunks) {
        for (let i = 0; i < chunk.length; i += RECORD_MAX) {
          const part = chunk.subarray(i, Math.min(chunk.length, i + RECORD_MAX));
          sent += part.length;
          if (sent > offer.nar.narSize) throw new Error(`NAR of ${offer.hashPart} is longer than its ${offer.nar.narSize} bytes`);
          if (!write(sealer.seal(part, false))) await drained(socket);
        }
      }
      if (sent !== offer.nar.narSize) throw new Error(`NAR of ${offer.hashPart} ended after ${sent} of ${offer.nar.narSize} bytes`);
      write(sealer.seal(new Uint8Array(0), true));
      await new Promise<void>((resolve) => socket.end(resolve));
      this.stats.narBytes += sent;
      this.stats.served++;
    } catch (e) {
      this.stats.failed++;
      this.#c.log.debug(`bulk transfer of ${offer.hashPart} failed: ${(e as Error).message}`);
      socket.destroy();
    } finally {
      this.#settle(offer);
    }
  }
}

/** Wait for 'drain', failing if the socket closes first. */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => { socket.off('drain', onDrain); socket.off('close', onClose); };
    const onDrain = (): void => { done(); resolve(); };
    const onClose = (): void => { done(); reject(new Error('the client closed the channel')); };
    if (socket.destroyed) return reject(new Error('the client closed the channel'));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}
