/**
 * A loopback TCP proxy for fault injection below libp2p: it forwards every connection made
 * to its port to one target and can, at any moment,
 *
 *   resetAll()      abort every forwarded connection with a TCP RST on both sides
 *                   (`socket.resetAndDestroy()`): what a crashed middlebox or a NAT that
 *                   lost its state does; the peers see ECONNRESET, not an orderly close
 *   blackhole(on)   stop moving bytes in either direction without closing anything (no
 *                   RST, no FIN): a partition as the endpoints see it. The proxy stops
 *                   reading, so what the peers send waits in socket buffers, as TCP keeps
 *                   retransmitting across a cut link; when the partition heals the streams
 *                   carry on intact. New connections are accepted and then hang the same way
 *
 * `downstreamBytes` counts bytes sent from the target back to the clients, so a test can
 * see that a transfer really runs through the proxy before it faults it. `stop()` destroys
 * everything.
 */

import { createServer, type AddressInfo, connect, type Server, type Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  readonly #targetHost: string;
  readonly #targetPort: number;
  #blackholed = false;
  /** Bytes forwarded from the target to the clients. */
  downstreamBytes = 0;
  /** Connections accepted so far. */
  accepted = 0;
  /** Connections reset by resetAll(). */
  resets = 0;

  private constructor(targetHost: string, targetPort: number) {
    this.#targetHost = targetHost;
    this.#targetPort = targetPort;
    this.#server = createServer({ pauseOnConnect: true }, (client) => this.#accept(client));
  }

  /** Listen on 127.0.0.1 (any free port) and forward to `host:port`. */
  static async start(host: string, port: number): Promise<TcpProxy> {
    const p = new TcpProxy(host, port);
    await new Promise<void>((resolve) => p.#server.listen(0, '127.0.0.1', resolve));
    return p;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Connections accepted during a blackhole, forwarded when it ends. */
  readonly #held: Socket[] = [];

  #accept(client: Socket): void {
    this.accepted++;
    if (this.#blackholed) {
      this.#held.push(client);
      client.on('error', () => client.destroy());
      return;
    }
    this.#forward(client);
  }

  #forward(client: Socket): void {
    const upstream = connect({ host: this.#targetHost, port: this.#targetPort });
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const drop = (): void => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // An end on one side is passed on as an end; an error as a reset.
    client.on('error', () => { if (!upstream.destroyed) upstream.resetAndDestroy(); drop(); });
    upstream.on('error', () => { if (!client.destroyed) client.resetAndDestroy(); drop(); });
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('data', (d: Buffer) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      this.downstreamBytes += d.length;
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    upstream.once('connect', () => { if (!this.#blackholed) client.resume(); });
  }

  /** RST every connection now (both directions); later connections are forwarded again. */
  resetAll(): number {
    let n = 0;
    for (const { client, upstream } of [...this.#pairs]) {
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
      n++;
    }
    this.#pairs.clear();
    this.resets += n;
    return n;
  }

  /** Stop moving bytes in both directions (on), or carry on where they stopped (off). */
  blackhole(on: boolean): void {
    this.#blackholed = on;
    for (const { client, upstream } of this.#pairs) {
      for (const s of [client, upstream]) {
        if (on) s.pause();
        else s.resume();
      }
    }
    if (!on) for (const c of this.#held.splice(0)) if (!c.destroyed) this.#forward(c);
  }

  async stop(): Promise<void> {
    for (const c of this.#held.splice(0)) c.destroy();
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    await new Promise((r) => this.#server.close(r));
  }
}
