/**
 * Multi-process P2P test support: start `tix node start` as a real process (the CLI, which
 * spawns the daemon), wait until its control socket answers, and always stop it. Every wait
 * is bounded; a node that does not come up fails the test with its log attached.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlClient, type NodeStatus } from '../../src/substitute/index.ts';
import { TIX_BIN } from './tix-cli.ts';


/** Poll `check` every `everyMs` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface NodeProcessOptions {
  /** Extra `tix node start` flags. */
  args?: string[];
  /** Wrap the command (e.g. ['ip', 'netns', 'exec', 'ns1']). */
  prefix?: string[];
  /** Listen address (default loopback, any port). */
  listen?: string;
  mdns?: boolean;
  /** The program taking `node start ...` (default: bin/tix), e.g. a test node script. */
  entry?: string[];
  /** Extra environment variables. */
  env?: NodeJS.ProcessEnv;
}

export class NodeProcess {
  readonly stateDir: string;
  readonly child: ChildProcess;
  #log = '';
  #exited: Promise<number | null>;
  status!: NodeStatus;

  private constructor(stateDir: string, child: ChildProcess) {
    this.stateDir = stateDir;
    this.child = child;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => { this.#log += d; });
    this.#exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  static async start(opts: NodeProcessOptions = {}): Promise<NodeProcess> {
    const stateDir = mkdtempSync(join(tmpdir(), 'tix-node-test-'));
    const args = ['node', 'start', '--state', stateDir, '--listen', opts.listen ?? '/ip4/127.0.0.1/tcp/0', ...(opts.mdns ? [] : ['--no-mdns']), ...(opts.args ?? [])];
    const [cmd, ...pre] = [...(opts.prefix ?? []), ...(opts.entry ?? [TIX_BIN])];
    const child = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...opts.env } });
    const node = new NodeProcess(stateDir, child);
    try {
      await waitFor('the node to answer on its control socket', async () => {
        if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}`);
        return await node.refresh();
      });
    } catch (e) {
      await node.stop();
      throw new Error(`${(e as Error).message}\n--- node log ---\n${node.log}`);
    }
    return node;
  }

  get log(): string {
    return this.#log;
  }

  get peerId(): string {
    return this.status.peerId;
  }

  /** The node's loopback address with its peer id, for --peer. */
  get address(): string {
    return this.status.addresses.find((a) => a.startsWith('/ip4/127.0.0.1/')) ?? this.status.addresses[0]!;
  }

  async refresh(): Promise<NodeStatus> {
    const c = await ControlClient.connect(this.stateDir, 2000);
    try {
      this.status = await c.status();
      return this.status;
    } finally {
      c.close();
    }
  }

  async control<T>(f: (c: ControlClient) => Promise<T>): Promise<T> {
    const c = await ControlClient.connect(this.stateDir, 2000);
    try {
      return await f(c);
    } finally {
      c.close();
    }
  }

  /** SIGTERM, then SIGKILL after 10 s; removes the state dir. Safe to call twice. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => {
        // The CLI would not forward SIGKILL: kill the daemon it spawned as well.
        if (this.status?.pid) { try { process.kill(this.status.pid, 'SIGKILL'); } catch { /* gone */ } }
        this.child.kill('SIGKILL');
      }, 10_000);
      await this.#exited;
      clearTimeout(t);
    }
    rmSync(this.stateDir, { recursive: true, force: true });
    return this.child.exitCode;
  }
}
