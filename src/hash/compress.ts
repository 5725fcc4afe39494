/** Nix's `compressHash`: XOR-fold a digest into `newSize` bytes (store path hashes are 20). */
export function compressHash(hash: Uint8Array, newSize: number): Uint8Array {
  const out = new Uint8Array(newSize);
  for (let i = 0; i < hash.length; i++) out[i % newSize]! ^= hash[i]!;
  return out;
}
