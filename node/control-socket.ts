/**
 * The node's control socket: a Unix socket in the state dir speaking the JSON-lines protocol
 * of src/substitute/p2p/control.ts. Created mode 0600 (only the node's user may drive it).
 * A stale socket left by a crashed node is replaced; a live one means another node already
 * uses this state dir, which is refused.
 */

import { chmod, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { controlSocketPath, type ControlRequest, type ControlResponse } from '../src/substitute/index.ts';
import { CONTROL_MAX_CONNECTIONS, CONTROL_MAX_LINE_BYTES } from './constants.ts';
import type { Logger } from './log.ts';

export type ControlHandler = (method: string, params: unknown) => Promise<unknown>;

export interface ControlSocketComponents {
  handler: ControlHandler;
  log: Logger;
}

export class ControlSocket {
  readonly path: string;
  readonly #c: ControlSocketComponents;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(stateDir: string, components: ControlSocketComponents) {
    this.path = controlSocketPath(stateDir);
    this.#c = components;
  }

  async start(): Promise<void> {
    await this.#removeStale();
    const server = createServer((s) => this.#onConnection(s));
    server.maxConnections = CONTROL_MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => { server.off('error', reject); resolve(); });
    });
    await chmod(this.path, 0o600);
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
    await unlink(this.path).catch(() => {});
  }

  async #removeStale(): Promise<void> {
    const alive = await new Promise<boolean>((resolve) => {
      const s = connect(this.path);
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (alive) throw Object.assign(new Error(`another tix node is running with this state dir (its control socket ${this.path} answers)`), { code: 'E_NODE_RUNNING' });
    await unlink(this.path).catch(() => {});
  }

  #onConnection(s: Socket): void {
    this.#sockets.add(s);
    s.setEncoding('utf8');
    let buf = '';
    s.on('data', (d: string) => {
      buf += d;
      if (buf.length > CONTROL_MAX_LINE_BYTES && !buf.includes('\n')) {
        this.#write(s, { id: 0, error: { code: 'E_CONTROL_REQUEST', message: `request line longer than ${CONTROL_MAX_LINE_BYTES} bytes` } });
        s.end();
        return;
      }
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() !== '') void this.#handle(s, line);
      }
    });
    s.on('error', () => {});
    s.on('close', () => this.#sockets.delete(s));
  }

  async #handle(s: Socket, line: string): Promise<void> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
      if (typeof req !== 'object' || req === null || typeof req.id !== 'number' || typeof req.method !== 'string') throw new Error('expected {"id": number, "method": string}');
    } catch (e) {
      this.#write(s, { id: 0, error: { code: 'E_CONTROL_REQUEST', message: `malformed request: ${(e as Error).message}` } });
      return;
    }
    try {
      this.#write(s, { id: req.id, result: await this.#c.handler(req.method, req.params ?? {}) });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      this.#write(s, { id: req.id, error: { code: typeof code === 'string' ? code : 'E_CONTROL_FAILED', message: (e as Error).message } });
    }
  }

  #write(s: Socket, res: ControlResponse): void {
    if (!s.destroyed) s.write(JSON.stringify(res) + '\n');
  }
}
