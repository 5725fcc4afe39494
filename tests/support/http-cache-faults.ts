/**
 * HTTP binary caches that misbehave, for the network-fault tests: a directory written as a
 * Nix binary cache (`nix-cache-info`, `<hash>.narinfo`, `nar/<file hash>.nar`, uncompressed)
 * from paths of a tix store, served on 127.0.0.1 by a server in the test process that can
 *
 *   stallNarAfter: N   send the headers (with the full Content-Length) and N bytes of a
 *                      NAR, then nothing, holding the connection open (a slowloris, or a
 *                      link that died without a FIN or RST)
 *   paceMs: M          send NARs in 16 KiB pieces M ms apart (so a client can be killed
 *                      while a NAR is on the wire)
 *
 * In-process, the tix commands under test must be run asynchronously (`runTixAsync`).
 * `stop()` destroys every open connection, stalled ones included. As a child process, for
 * callers that block (bench/soak/kill-loop.ts):
 *
 *   node tests/support/http-cache-faults.ts DIR [--pace-ms M]   prints {"port":N}, stops
 *                                                               when stdin closes
 */

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { runTixAsync } from './tix-cli.ts';

const env = { TIX_CONF: '/dev/null' };

/**
 * Write the closures of `paths` in the store at `root` as an uncompressed binary cache in
 * `dir`, with `tix copy --to` (src/substitute/binary-cache-writer.ts). Unsigned: use it
 * with `?trusted=1`.
 */
export async function writeBinaryCache(root: string, paths: readonly string[], dir: string): Promise<void> {
  const r = await runTixAsync(['copy', '--to', `file://${resolve(dir)}`, '--store', root, '--option', 'compression', 'none', ...paths], { env });
  if (r.status !== 0) throw new Error(`tix copy --to: ${r.stderr}`);
}

export interface FaultyCacheOptions {
  /** Send this many bytes of each NAR, then stall (connection kept open). */
  readonly stallNarAfter?: number;
  /** Send NARs in 16 KiB pieces this many ms apart. */
  readonly paceMs?: number;
}

const PIECE = 16 * 1024;

export class FaultyCache {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #opts: FaultyCacheOptions;
  readonly #dir: string;
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  /** NAR bytes sent so far (all responses). */
  narBytesSent = 0;
  /** When the first NAR response stalled (performance.now()), if one did. */
  stalledAt: number | undefined;
  #onStall: (() => void) | undefined;
  /** Resolves when a NAR response stalls. */
  readonly stalled: Promise<void>;

  private constructor(dir: string, opts: FaultyCacheOptions) {
    this.#dir = dir;
    this.#opts = opts;
    this.stalled = new Promise((r) => (this.#onStall = r));
    this.#server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      this.requests.push(path);
      let data: Buffer;
      try {
        data = readFileSync(join(this.#dir, normalize(path).replace(/^(\.\.[/\\])+/, '')));
      } catch {
        res.writeHead(404).end();
        return;
      }
      const stallAfter = this.#opts.stallNarAfter;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      if (!path.startsWith('/nar/')) {
        res.end(data);
        return;
      }
      if (stallAfter === undefined) {
        if (this.#opts.paceMs === undefined) {
          this.narBytesSent += data.length;
          res.end(data);
          return;
        }
        let at = 0;
        const next = (): void => {
          if (res.destroyed) return;
          const piece = data.subarray(at, at + PIECE);
          at += piece.length;
          this.narBytesSent += piece.length;
          if (at >= data.length) res.end(piece);
          else res.write(piece, () => setTimeout(next, this.#opts.paceMs));
        };
        next();
        return;
      }
      this.narBytesSent += Math.min(stallAfter, data.length);
      res.write(data.subarray(0, stallAfter), () => {
        this.stalledAt ??= performance.now();
        this.#onStall?.();
      });
      // Nothing more: the response stays open until the client gives up or stop().
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  /** Serve the cache directory `dir` on 127.0.0.1, any free port. */
  static async start(dir: string, opts: FaultyCacheOptions = {}): Promise<FaultyCache> {
    const c = new FaultyCache(dir, opts);
    await new Promise<void>((resolve) => c.#server.listen(0, '127.0.0.1', resolve));
    return c;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Connections open now (a client that gave up on a stalled NAR has closed its own). */
  get openConnections(): number {
    return this.#sockets.size;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((r) => this.#server.close(r));
  }
}

if (import.meta.main) {
  const [dir, flag, value] = process.argv.slice(2);
  const cache = await FaultyCache.start(dir!, flag === '--pace-ms' ? { paceMs: Number(value) } : {});
  process.stdout.write(JSON.stringify({ port: Number(new URL(cache.url).port) }) + '\n');
  process.stdin.on('end', () => void cache.stop().then(() => process.exit(0)));
  process.stdin.resume();
}
