/**
 * The `PeerDialer` the src/ protocol clients receive: opens a protocol stream to a peer
 * named by its id string through the libp2p host (dialing it first when needed), and tells
 * the IP address of an open connection, where the peer's bulk channel listens.
 */

import { peerIdFromString } from '@libp2p/peer-id';
import type { AbortOptions, PeerDialer, PeerStream } from '../src/substitute/index.ts';
import type { TixHost } from './host.ts';

export function hostDialer(host: TixHost): PeerDialer {
  return {
    async openStream(peer: string, protocol: string, options: AbortOptions = {}): Promise<PeerStream> {
      return await host.dialProtocol(peerIdFromString(peer), protocol, options.signal ? { signal: options.signal } : {});
    },
    remoteHost(peer: string): string | undefined {
      for (const c of host.getConnections(peerIdFromString(peer))) {
        if (c.status !== 'open') continue;
        const ip = c.remoteAddr.getComponents().find((x) => x.name === 'ip4' || x.name === 'ip6');
        if (ip?.value !== undefined) return ip.value;
      }
      return undefined;
    },
  };
}
