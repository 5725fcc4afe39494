/**
 * The DB owner's side of the socket (protocol in db-wire.ts): one session per connected
 * store handle; a connection that closes while the owner runs means its process exited or
 * closed the handle, so its locks and temp roots go. On close the owner drops every
 * connection first, so clients resend their unanswered calls to the next owner, then
 * waits for calls already running against the DB to finish.
 */

import { unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { DbOwner, OwnerSession } from './db-owner.ts';
import { DB_METHODS, type DbMethod, encodeFrame, errorToWire, onFrames } from './db-wire.ts';
import { StoreError } from './errors.ts';
import { parseHolderId } from './process-identity.ts';
import type { LockOptions } from './store-db.ts';

const METHODS: ReadonlySet<string> = new Set(DB_METHODS);

export class DbServer {
  readonly #owner: DbOwner;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #inflight = new Set<Promise<unknown>>();

  private constructor(owner: DbOwner, server: Server) {
    this.#owner = owner;
    this.#server = server;
    owner.onClose(() => this.#drain());
  }

  /** Serve `owner` on `socketPath`, replacing a socket file a dead owner left behind. */
  static async listen(owner: DbOwner, socketPath: string): Promise<DbServer> {
    const server = createServer({ allowHalfOpen: false });
    const self = new DbServer(owner, server);
    server.on('connection', (s) => self.#accept(s));
    // Holding the DB lock, we are the only rightful listener: any socket file is stale.
    try {
      unlinkSync(socketPath);
    } catch {
      // absent
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Let the process exit when its own work is done; closing hands the DB over.
    server.unref();
    return self;
  }

  #accept(socket: Socket): void {
    socket.unref();
    this.#sockets.add(socket);
    let session: OwnerSession | undefined;
    let unsubscribe: (() => void) | undefined;
    const cancels = new Map<number, AbortController>();
    const send = (msg: unknown) => {
      if (!socket.destroyed) socket.write(encodeFrame(msg));
    };
    onFrames(socket, (frames) => {
      for (const f of frames) {
        if (!session) {
          const holder = typeof f.holder === 'string' ? f.holder : '';
          if (f.hello !== 1 || !parseHolderId(holder) || this.#owner.closing) {
            socket.destroy();
            return;
          }
          session = this.#owner.session(holder);
          continue;
        }
        const id = f.i as number;
        if (f.cancel) {
          cancels.get(id)?.abort(new StoreError('E_ABORTED', 'cancelled by the client'));
          continue;
        }
        if (f.bye) {
          // A closing handle: release its locks and temp roots before answering, so
          // whatever the client does next already sees them gone.
          const ending = session.end().then(() => send({ i: id, r: true }));
          this.#inflight.add(ending);
          void ending.finally(() => this.#inflight.delete(ending));
          continue;
        }
        const method = f.m as string;
        if (!METHODS.has(method)) {
          send({ i: id, e: { code: 'E_DB_METHOD', message: `unknown store DB method '${method}'` } });
          continue;
        }
        if (method === 'subscribe') {
          unsubscribe ??= this.#owner.listen((ev) => send({ ev }));
          send({ i: id, r: true });
          continue;
        }
        const args = (f.a as unknown[]) ?? [];
        if (method === 'lockPaths') {
          const ac = new AbortController();
          cancels.set(id, ac);
          args[1] = { ...(args[1] as LockOptions | undefined), signal: ac.signal };
        }
        const run = this.#call(session, method as Exclude<DbMethod, 'subscribe'>, args).then(
          (r) => send({ i: id, r }),
          (e) => {
            if (!this.#owner.closing) send({ i: id, e: errorToWire(e) });
          },
        );
        this.#inflight.add(run);
        void run.finally(() => {
          this.#inflight.delete(run);
          cancels.delete(id);
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#sockets.delete(socket);
      unsubscribe?.();
      for (const ac of cancels.values()) ac.abort(new StoreError('E_ABORTED', 'connection closed'));
      if (session) void session.end();
    });
  }

  #call(session: OwnerSession, method: Exclude<DbMethod, 'subscribe'>, args: unknown[]): Promise<unknown> {
    const fn = (session as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
    return fn.apply(session, args);
  }

  /** Stop serving: drop connections, then let running DB calls finish. */
  async #drain(): Promise<void> {
    this.#server.close();
    for (const s of this.#sockets) s.destroy();
    await Promise.allSettled([...this.#inflight]);
  }
}
