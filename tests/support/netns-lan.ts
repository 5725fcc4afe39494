/**
 * A small LAN made of network namespaces, for discovery tests: a "switch" namespace holding
 * a bridge, and N host namespaces each joined to it by a veth pair, with addresses
 * 10.219.X.(i+1)/24 and a multicast route, so mDNS queries from one host reach the others
 * as on an office LAN. Nothing changes in the test's own namespace. `remove()` deletes
 * every namespace (which deletes their links) and is safe to call twice.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2: skip with `NETNS_SKIP` from netns.ts.
 */

import { spawnSync } from 'node:child_process';

function must(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || 'failed').trim()}`);
}

let made = 0;

export interface LanHost {
  /** Namespace name. */
  readonly ns: string;
  /** The host's IPv4 address on the LAN. */
  readonly addr: string;
  /** Prefix for a command to run on this host. */
  readonly prefix: string[];
}

export class NetLan {
  readonly hosts: readonly LanHost[];
  readonly #namespaces: string[];
  #removed = false;

  private constructor(hosts: LanHost[], namespaces: string[]) {
    this.hosts = hosts;
    this.#namespaces = namespaces;
  }

  static create(count: number): NetLan {
    const tag = `${process.pid % 100_000}${String.fromCharCode(97 + (made++ % 26))}`;
    const net = `10.219.${process.pid % 250}`;
    const sw = `tixsw${tag}`;
    const hosts: LanHost[] = [];
    const lan = new NetLan(hosts, [sw]);
    try {
      must(['netns', 'add', sw]);
      must(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
      must(['-n', sw, 'link', 'set', 'br0', 'up']);
      for (let i = 0; i < count; i++) {
        const ns = `tixlan${tag}${i}`;
        must(['netns', 'add', ns]);
        lan.#namespaces.push(ns);
        // Both ends are made inside the switch, then one end moves to the host as eth0.
        must(['-n', sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', `h${i}`]);
        must(['-n', sw, 'link', 'set', `h${i}`, 'netns', ns, 'name', 'eth0']);
        must(['-n', sw, 'link', 'set', `p${i}`, 'master', 'br0']);
        must(['-n', sw, 'link', 'set', `p${i}`, 'up']);
        const addr = `${net}.${i + 1}`;
        must(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
        must(['-n', ns, 'link', 'set', 'eth0', 'up']);
        must(['-n', ns, 'link', 'set', 'lo', 'up']);
        // No default route here, so multicast needs its own.
        must(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
        hosts.push({ ns, addr, prefix: ['ip', 'netns', 'exec', ns] });
      }
    } catch (e) {
      lan.remove();
      throw e;
    }
    return lan;
  }

  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    for (const ns of this.#namespaces) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
  }
}
