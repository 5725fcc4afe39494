/** Standard base64 (RFC 4648 §4, with padding), decoded strictly. */

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decode canonical padded base64, or return undefined: wrong alphabet, missing padding and
 * non-zero trailing bits are all refused (Buffer's own decoder silently skips them).
 */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !BASE64_RE.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64') !== s) return undefined;
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function encodeBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
}
