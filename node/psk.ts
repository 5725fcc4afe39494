/**
 * Pre-shared keys for a private network, in go-ipfs's `swarm.key` format (go-libp2p
 * `pnet.DecodeV1PSK`):
 *
 *     /key/swarm/psk/1.0.0/
 *     /base16/                 (or /base64/ or /bin/)
 *     <32-byte key in that encoding>
 *
 * Line ends may be LF or CRLF; a trailing newline is allowed. js `@libp2p/pnet` reads only
 * the base16 form, so the key is re-encoded that way before it is handed over.
 */

import { readFile } from 'node:fs/promises';

export const PSK_HEADER = '/key/swarm/psk/1.0.0/';
export const PSK_KEY_BYTES = 32;

/** A malformed swarm.key file (code `E_PSK_FORMAT`, with the file and line). */
export class SwarmKeyError extends SyntaxError {
  override readonly name = 'SwarmKeyError';
  readonly code = 'E_PSK_FORMAT';
  readonly whence: string;
  readonly line: number;
  constructor(whence: string, line: number, message: string) {
    super(`invalid swarm key: ${message}`);
    this.whence = whence;
    this.line = line;
  }
}

/** Parse a swarm.key file; returns the 32 key bytes. */
export function parseSwarmKey(data: Uint8Array, whence = 'swarm.key'): Uint8Array {
  const err = (line: number, msg: string): never => {
    throw new SwarmKeyError(whence, line, msg);
  };
  const text = Buffer.from(data).toString('latin1');
  const lines = text.split(/\r?\n/);
  if (lines[0] !== PSK_HEADER) err(1, `expected '${PSK_HEADER}' as the first line`);
  const enc = lines[1];
  let key: Uint8Array;
  if (enc === '/bin/') {
    // The rest of the file, newlines included, is the key.
    const start = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
    key = Buffer.from(text.slice(start), 'latin1');
  } else {
    const body = lines.slice(2).join('').trim();
    if (enc === '/base16/') {
      if (!/^[0-9a-fA-F]*$/.test(body)) err(3, 'key is not base16');
      key = Buffer.from(body, 'hex');
    } else if (enc === '/base64/') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) err(3, 'key is not base64');
      key = Buffer.from(body, 'base64');
    } else {
      return err(2, `unknown key encoding '${enc ?? ''}' (expected /base16/, /base64/ or /bin/)`);
    }
  }
  if (key.length !== PSK_KEY_BYTES) err(3, `key has ${key.length} bytes, expected ${PSK_KEY_BYTES}`);
  return new Uint8Array(key);
}

/** The canonical base16 swarm.key text of a key (what `@libp2p/pnet` accepts). */
export function printSwarmKey(key: Uint8Array): string {
  return `${PSK_HEADER}\n/base16/\n${Buffer.from(key).toString('hex')}\n`;
}

/** Read and parse a swarm.key file, returning the canonical form for `@libp2p/pnet`. */
export async function readSwarmKey(path: string): Promise<Uint8Array> {
  const key = parseSwarmKey(await readFile(path), path);
  return new TextEncoder().encode(printSwarmKey(key));
}
