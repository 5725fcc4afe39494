/**
 * Deterministic chunking for streaming parsers: splits an input at points derived from the
 * input itself (FNV-1a of its bytes seeds a xorshift generator), so a fuzz input always
 * reproduces with the same split while different inputs exercise different boundaries.
 */

function seedOf(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return h >>> 0 || 1;
}

/** Splits `data` into chunks of 0..maxChunk bytes (empty chunks included: a stream may deliver them). */
export function splitChunks(data: Uint8Array, maxChunk = 17): Uint8Array[] {
  let x = seedOf(data);
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; ) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const n = (x >>> 0) % (maxChunk + 1);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}
