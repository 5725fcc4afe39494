/**
 * The node's HTTP facade: a Nix binary cache on 127.0.0.1, so real Nix substitutes from a
 * tix node (`substituters = http://127.0.0.1:PORT`). What it serves comes from the sources
 * it is given (the daemon passes its store, then the P2P network: node/facade-source.ts). Nix:
 * `HttpBinaryCacheStore` is the client; the layout is binary-cache-store.cc's:
 *
 *   /nix-cache-info                 StoreDir, WantMassQuery, Priority
 *   /<hash part>.narinfo            the path's narinfo with its own signatures
 *   /nar/<hash part>-<NarHash>.nar  the NAR, uncompressed (`Compression: none`)
 *
 * NAR URLs name the path and its NAR hash (nix32), so a URL that a client cached for 30 days
 * still means the same bytes or a clean 404. Every miss — unknown path, stale NAR URL, a
 * source error — is a fast 404: Nix disables a substituter for a minute after a 5xx or a
 * stall (notes §4.8). GET and HEAD only; the source decides what is valid, and the node
 * signs nothing (clients check the signatures that the path carries).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseNarInfo, printNarInfo, type StoreDir } from '../src/store/index.ts';
import type { NarSource, PathInfoSource } from '../src/substitute/index.ts';
import type { Logger } from './log.ts';

export interface HttpCacheComponents {
  source: PathInfoSource;
  nars: NarSource;
  storeDir: StoreDir;
  log: Logger;
}

/** Between cache.nixos.org (40) and a LAN cache such as nix-serve (30): asked before the public cache. */
const PRIORITY = 30;
const NARINFO_RE = /^\/([0-9a-df-np-sv-z]{32})\.narinfo$/;
const NAR_RE = /^\/nar\/([0-9a-df-np-sv-z]{32})-([0-9a-df-np-sv-z]{52})\.nar$/;

export class HttpCacheServer {
  readonly #c: HttpCacheComponents;
  readonly #server: Server;
  readonly stats = { narinfos: 0, nars: 0, narBytes: 0, misses: 0 };

  constructor(components: HttpCacheComponents) {
    this.#c = components;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    // Keep-alive connections must not hold stop() up.
    this.#server.keepAliveTimeout = 5_000;
  }

  /** The port listened on (after start). */
  get port(): number | null {
    const a = this.#server.address() as AddressInfo | null;
    return a ? a.port : null;
  }

  /** Listen on 127.0.0.1:`port` (0: any free port). */
  async start(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#c.log.info(`serving the store as a binary cache on http://127.0.0.1:${this.port}`);
  }

  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise((r) => this.#server.close(r));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    if (!head && req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      if (path === '/nix-cache-info') {
        return send(res, head, 'text/x-nix-cache-info', `StoreDir: ${this.#c.storeDir.dir}\nWantMassQuery: 1\nPriority: ${PRIORITY}\n`);
      }
      const ni = NARINFO_RE.exec(path);
      if (ni) {
        const text = await this.#narinfo(ni[1]!);
        if (text === undefined) return this.#miss(res);
        this.stats.narinfos++;
        return send(res, head, 'text/x-nix-narinfo', text);
      }
      const nar = NAR_RE.exec(path);
      if (nar) return await this.#nar(nar[1]!, nar[2]!, head, res);
    } catch (e) {
      // Whatever went wrong, Nix must see a miss, not an error that disables us.
      this.#c.log.warn(`${req.method} ${path}: ${(e as Error).message}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
    }
    this.#miss(res);
  }

  /** The narinfo as a Nix client reads it: our NAR URL, uncompressed, the path's own signatures. */
  async #narinfo(hashPart: string): Promise<string | undefined> {
    const served = (await this.#c.source.queryPathInfos([hashPart])).get(hashPart);
    if (!served) return undefined;
    const info = parseNarInfo(served.narinfo, { whence: `narinfo of ${hashPart}`, storeDir: this.#c.storeDir });
    const url = `nar/${hashPart}-${info.narHash.toString('nix32', false)}.nar`;
    return printNarInfo({ ...info, url, compression: 'none', fileHash: undefined, fileSize: undefined, extra: [] }, this.#c.storeDir);
  }

  async #nar(hashPart: string, narHash: string, head: boolean, res: ServerResponse): Promise<void> {
    const served = (await this.#c.source.queryPathInfos([hashPart])).get(hashPart);
    // A NAR URL names the bytes: if the path now has other contents, the URL is stale.
    if (!served || parseNarInfo(served.narinfo, { storeDir: this.#c.storeDir }).narHash.toString('nix32', false) !== narHash) return this.#miss(res);
    const headers = { 'content-type': 'application/x-nix-nar', 'content-length': String(served.narSize) };
    if (head) {
      res.writeHead(200, headers).end();
      return;
    }
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const stream = await this.#c.nars.openNar(hashPart, { signal: abort.signal });
    if (!stream) return this.#miss(res);
    res.writeHead(200, headers);
    let sent = 0;
    for await (const chunk of stream.chunks) {
      if (res.destroyed) return;
      sent += chunk.byteLength;
      if (!res.write(chunk)) await new Promise((r) => { res.once('drain', r); res.once('close', r); });
    }
    res.end();
    this.stats.nars++;
    this.stats.narBytes += sent;
  }

  #miss(res: ServerResponse): void {
    this.stats.misses++;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not in this cache\n');
  }
}

function send(res: ServerResponse, head: boolean, type: string, body: string): void {
  res.writeHead(200, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
  res.end(head ? undefined : body);
}
