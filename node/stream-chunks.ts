/**
 * Read a libp2p stream's incoming bytes to their end, robustly.
 *
 * Why not `for await (const chunk of stream)`: libp2p's iterator (@libp2p/utils 7.4
 * `AbstractMessageStream[Symbol.asyncIterator]`) ends only on a 'remoteCloseWrite' or
 * 'close' event it sees. When the peer has already sent everything and closed its end
 * before the handler starts iterating — routine for a server whose event loop is busy when
 * a client writes a whole batch and closes at once — both events have fired, the buffered
 * bytes are delivered, and the iterator then waits forever. The stream's documented
 * contract is 'end' plus `readableEnded` for late readers; this reader follows it.
 */

import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface';

/** The chunks the remote sends until it closes its end; a reset or abort throws. */
export async function* streamChunks(stream: Stream): AsyncGenerator<Uint8Array, void, undefined> {
  const queue: Uint8Array[] = [];
  let ended = false;
  let closed = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onMessage = (e: StreamMessageEvent): void => {
    queue.push(e.data instanceof Uint8Array ? e.data : e.data.subarray());
    notify();
  };
  const onEnd = (): void => { ended = true; notify(); };
  const onClose = (e: StreamCloseEvent): void => {
    if (e.error) failure = e.error;
    closed = true;
    notify();
  };
  // Listening for 'message' makes the stream hand over what it buffered before we came.
  stream.addEventListener('message', onMessage);
  stream.addEventListener('end', onEnd);
  stream.addEventListener('close', onClose);
  try {
    if (stream.status === 'aborted' || stream.status === 'reset') throw new Error(`stream was ${stream.status} before it was read`);
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      // 'end' may have fired before we listened: readableEnded says so.
      if ((ended || stream.readableEnded) && stream.readBufferLength === 0) return;
      // Closed both ways with nothing left to deliver (a buffered remainder still comes as 'message').
      if (closed && stream.readBufferLength === 0) return;
      await new Promise<void>((r) => { wake = r; });
    }
  } finally {
    stream.removeEventListener('message', onMessage);
    stream.removeEventListener('end', onEnd);
    stream.removeEventListener('close', onClose);
  }
}
