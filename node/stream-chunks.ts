/**
 * Read a libp2p stream's incoming bytes to their end, robustly: the DHT bulk exchanges'
 * reader, over the same `StreamReader` as the tix protocols (src/substitute/p2p/stream-io.ts).
 *
 * Why not `for await (const chunk of stream)`: libp2p's iterator (@libp2p/utils 7.4
 * `AbstractMessageStream[Symbol.asyncIterator]`) ends only on a 'remoteCloseWrite' or
 * 'close' event it sees. When the peer has already sent everything and closed its end
 * before the handler starts iterating — routine for a server whose event loop is busy when
 * a client writes a whole batch and closes at once — both events have fired, the buffered
 * bytes are delivered, and the iterator then waits forever. It also queues without bound and
 * ends quietly when the connection is cut; StreamReader holds the sender back and throws then.
 */

import type { Stream } from '@libp2p/interface';
import { StreamReader } from '../src/substitute/index.ts';

/** The chunks the remote sends until it closes its end; a reset, an abort or a cut connection throws. */
export async function* streamChunks(stream: Stream): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = new StreamReader(stream);
  try {
    for (let c = await reader.next(); c !== undefined; c = await reader.next()) yield c;
  } finally {
    reader.dispose();
  }
}
