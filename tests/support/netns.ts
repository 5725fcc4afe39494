/**
 * Network namespaces for partition tests: each `NetNs` is a namespace joined to this one
 * by a veth pair with a /30 of its own (host end `.1`, namespace end `.2`), so a process
 * started with `prefix` runs on its own host, reachable from here only across that link.
 * `cut()` sets the host end down (the link loses carrier on both ends; packets are dropped,
 * nothing is closed or reset), `heal()` brings it back. `remove()` deletes the namespace
 * (which deletes the veth pair) and is safe to call twice; tests call it in `after()`.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2. `NETNS_SKIP` is false when that works here,
 * else the reason, checked once by creating and deleting a probe namespace.
 */

import { spawnSync } from 'node:child_process';

function ip(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, err: (r.stderr || r.error?.message || '').trim() };
}

function must(args: string[]): void {
  const r = ip(args);
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.err}`);
}

function probe(): string | false {
  const name = `tixprobe${process.pid}`;
  const add = ip(['netns', 'add', name]);
  if (!add.ok) return `network namespaces are not available here (ip netns add: ${add.err || 'failed'}); needs root and iproute2`;
  ip(['netns', 'del', name]);
  return false;
}

/** False when network namespaces can be made here, else why not. */
export const NETNS_SKIP: string | false = process.platform === 'linux' ? probe() : 'network namespaces are Linux only';

let made = 0;

export class NetNs {
  readonly name: string;
  readonly hostIf: string;
  readonly hostAddr: string;
  readonly nsAddr: string;
  #removed = false;

  private constructor(name: string, hostIf: string, hostAddr: string, nsAddr: string) {
    this.name = name;
    this.hostIf = hostIf;
    this.hostAddr = hostAddr;
    this.nsAddr = nsAddr;
  }

  /** A new namespace linked to this one; its subnet is chosen from the pid and a counter. */
  static create(): NetNs {
    const k = made++;
    const tag = `${process.pid % 100_000}${String.fromCharCode(97 + (k % 26))}`;
    // 10.217.X.Y/30: X from the pid, Y from the counter (64 links per process).
    const third = process.pid % 250;
    const base = (k % 64) * 4;
    const ns = new NetNs(`tixnet${tag}`, `txh${tag}`, `10.217.${third}.${base + 1}`, `10.217.${third}.${base + 2}`);
    const nsIf = `txn${tag}`;
    try {
      must(['netns', 'add', ns.name]);
      must(['link', 'add', ns.hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
      must(['link', 'set', nsIf, 'netns', ns.name]);
      must(['addr', 'add', `${ns.hostAddr}/30`, 'dev', ns.hostIf]);
      must(['link', 'set', ns.hostIf, 'up']);
      must(['-n', ns.name, 'addr', 'add', `${ns.nsAddr}/30`, 'dev', nsIf]);
      must(['-n', ns.name, 'link', 'set', nsIf, 'up']);
      must(['-n', ns.name, 'link', 'set', 'lo', 'up']);
    } catch (e) {
      ns.remove();
      throw e;
    }
    return ns;
  }

  /** Prefix for a command to run inside the namespace. */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  /** Partition: the link goes down; nothing is closed or reset. */
  cut(): void {
    must(['link', 'set', this.hostIf, 'down']);
  }

  /** End the partition: the link comes back up (addresses and routes return with it). */
  heal(): void {
    must(['link', 'set', this.hostIf, 'up']);
  }

  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    ip(['netns', 'del', this.name]);
    // Deleting the namespace deletes the veth pair; this catches a half-made one.
    ip(['link', 'del', this.hostIf]);
  }
}
