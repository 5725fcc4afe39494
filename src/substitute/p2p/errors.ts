/**
 * Errors of the peer protocols. Each names the peer (its id, in `peerId` and in the message,
 * so a log line alone says who misbehaved) and the protocol; a malformed frame keeps the
 * `WireError` with its byte offset as `cause`.
 */

import type { TixError } from '../../errors.ts';

export type PeerErrorCode =
  | 'E_PEER_PROTOCOL' // a malformed, oversized or unexpected frame
  | 'E_PEER_TRUNCATED' // the stream ended before the protocol said it would
  | 'E_PEER_LIMIT' // the peer sent more than the caller allowed
  | 'E_PEER_TIMEOUT' // no answer in time, or the caller aborted
  | 'E_PEER_REFUSED' // the peer answered with an error frame
  | 'E_PEER_NOT_FOUND' // the peer does not have the path
  | 'E_PEER_MISMATCH' // the answer contradicts the request or itself
  | 'E_PEER_DIAL'; // no stream could be opened

export class PeerError extends Error implements TixError {
  override readonly name: string = 'PeerError';
  readonly code: PeerErrorCode;
  readonly peerId: string;
  readonly protocol: string;
  /** Stream offset of the offending frame, for protocol errors. */
  readonly offset: number | undefined;

  constructor(code: PeerErrorCode, peerId: string, protocol: string, message: string, options: { offset?: number; cause?: unknown } = {}) {
    super(`peer ${peerId} (${protocol}): ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.peerId = peerId;
    this.protocol = protocol;
    this.offset = options.offset;
  }
}

/**
 * A provider's answer refused by the substitution client itself (not by the protocol): a
 * narinfo no trusted key signed, a forged signature, a path the provider claimed but does
 * not have, a reference nobody can provide. The message is the reason alone; the caller
 * names the peer.
 */
export class RejectedAnswer extends Error implements TixError {
  override readonly name: string = 'RejectedAnswer';
  readonly code: 'E_PEER_UNTRUSTED' | 'E_PEER_FORGED' | 'E_PEER_NOT_FOUND' | 'E_PEER_REFERENCE';

  constructor(code: RejectedAnswer['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
