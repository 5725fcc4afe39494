/**
 * A connection to the DB owner (protocol in db-wire.ts). Calls that are unanswered when
 * the connection drops reject with `ConnectionLostError`; `SharedStoreDb` then finds or
 * becomes the next owner and sends them again (every call is idempotent).
 */

import { connect, type Socket } from 'node:net';
import { encodeFrame, errorFromWire, onFrames, type WireError } from './db-wire.ts';
import { StoreError } from './errors.ts';
import type { StoreDbEvent } from './store-db.ts';

export class ConnectionLostError extends StoreError {
  override readonly name = 'ConnectionLostError';
  constructor() {
    super('E_DB_CONNECTION_LOST', 'lost the connection to the store database owner');
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class DbClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #lost = false;
  /** Called with every event the owner pushes after `subscribe`. */
  onEvent: ((ev: StoreDbEvent) => void) | undefined;
  /** Called once when the connection ends for any reason. */
  onLost: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    onFrames(socket, (frames) => {
      for (const f of frames) {
        if (f.ev) {
          this.onEvent?.(f.ev as StoreDbEvent);
          continue;
        }
        const p = this.#pending.get(f.i as number);
        if (!p) continue;
        this.#pending.delete(f.i as number);
        if (f.e) p.reject(errorFromWire(f.e as WireError));
        else p.resolve(f.r);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#lost = true;
      for (const p of this.#pending.values()) p.reject(new ConnectionLostError());
      this.#pending.clear();
      this.onLost?.();
    });
  }

  /** Connect and introduce ourselves; rejects with the socket error (ENOENT, ECONNREFUSED...). */
  static connect(socketPath: string, holder: string): Promise<DbClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        socket.write(encodeFrame({ hello: 1, holder }));
        resolve(new DbClient(socket));
      });
    });
  }

  get lost(): boolean {
    return this.#lost;
  }

  /** Keep the process alive while calls are outstanding, not otherwise. */
  #updateRef(): void {
    if (this.#pending.size > 0) this.#socket.ref();
    else this.#socket.unref();
  }

  call(method: string, args: readonly unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.#lost) return Promise.reject(new ConnectionLostError());
    signal?.throwIfAborted();
    const id = this.#next++;
    const done = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#socket.write(encodeFrame({ i: id, m: method, a: args }));
    this.#updateRef();
    if (signal) {
      const onAbort = () => {
        if (this.#pending.has(id) && !this.#lost) this.#socket.write(encodeFrame({ i: id, cancel: true }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void done.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
    }
    return done.finally(() => this.#updateRef());
  }

  /**
   * End the session and hang up. Waits (at most `timeoutMs`) for the owner to confirm that
   * the session's locks and temp roots are released; a lost owner releases them anyway.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (!this.#lost) {
      const id = this.#next++;
      const answered = new Promise<unknown>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
      this.#socket.write(encodeFrame({ i: id, bye: true }));
      this.#socket.ref();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([answered.catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    this.#socket.end();
    this.#socket.destroy();
  }
}
