/**
 * What every tix protocol server does around its handler: enforce the per-peer concurrency
 * limit (answering "busy" at once), give the peer REQUEST_TIMEOUT_MS to send its request,
 * answer a malformed request with an error frame, and log failures with the peer's id.
 */

import type { Connection, Stream } from '@libp2p/interface';
import { abortStream, ERROR_CODE, FrameReader, PeerError, writeMessage, type Message, type PeerStream, type StreamContext } from '../src/substitute/index.ts';
import { REQUEST_TIMEOUT_MS } from './constants.ts';
import type { Logger } from './log.ts';
import type { PeerLimiter } from './peer-limiter.ts';

export interface RequestContext extends StreamContext {
  readonly stream: PeerStream;
  readonly reader: FrameReader;
  /** Aborted when the server stops or the stream closes. */
  readonly signal: AbortSignal;
}

export interface ServeOptions<T extends Message['type']> {
  protocol: string;
  frameCap: number;
  limiter: PeerLimiter;
  /** Request frame types accepted as the first frame. */
  accept: readonly T[];
  log: Logger;
  /** Aborted when the service stops. */
  shutdown: AbortSignal;
  /** Counts served requests and refusals (for status). */
  stats: { served: number; refused: number; failed: number };
}

/** Run `handler` for one inbound stream, with the limits above. */
export async function serveStream<T extends Message['type']>(
  stream: Stream, connection: Connection, opts: ServeOptions<T>,
  handler: (request: Extract<Message, { type: T }>, ctx: RequestContext) => Promise<void>,
): Promise<void> {
  const peerId = connection.remotePeer.toString();
  const ctx0: StreamContext = { peerId, protocol: opts.protocol };
  const release = opts.limiter.tryAcquire(peerId);
  if (!release) {
    opts.stats.refused++;
    await refuse(stream, ctx0, ERROR_CODE.busy, `at most ${opts.limiter.max} concurrent ${opts.protocol} requests per peer`);
    return;
  }
  const ac = new AbortController();
  const onShutdown = (): void => ac.abort(opts.shutdown.reason);
  opts.shutdown.addEventListener('abort', onShutdown, { once: true });
  const reader = new FrameReader(stream, opts.frameCap, ctx0);
  try {
    const timer = setTimeout(() => stream.abort(new PeerError('E_PEER_TIMEOUT', peerId, opts.protocol, `no request within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    let request: Extract<Message, { type: T }>;
    try {
      request = await reader.expect(opts.accept);
    } catch (e) {
      clearTimeout(timer);
      if (e instanceof PeerError && e.code === 'E_PEER_PROTOCOL') {
        opts.log.warn(`refused a malformed request: ${e.message}`);
        opts.stats.refused++;
        await refuse(stream, ctx0, ERROR_CODE.badRequest, (e.cause as Error | undefined)?.message ?? e.message);
        return;
      }
      throw e;
    }
    clearTimeout(timer);
    await handler(request, { ...ctx0, stream, reader, signal: ac.signal });
    opts.stats.served++;
  } catch (e) {
    opts.stats.failed++;
    opts.log.debug(`request failed: ${(e as Error).message}`);
    abortStream(stream, e);
  } finally {
    opts.shutdown.removeEventListener('abort', onShutdown);
    ac.abort();
    release();
  }
}

/** Answer with an error frame and close. */
export async function refuse(stream: PeerStream, ctx: StreamContext, code: number, message: string): Promise<void> {
  try {
    await writeMessage(stream, { type: 'error', code, message }, ctx);
    await stream.close();
  } catch {
    stream.abort(new Error(message));
  }
}
