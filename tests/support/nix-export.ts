/**
 * Builds the stream `nix-store --export` writes (Nix 2.8 export-import.cc), for store
 * objects that are one regular file, so differential tests can give Nix input-addressed
 * paths with references and a deriver without building anything (`nix-store --import`):
 *
 *   per path: u64 1, NAR, u64 0x4558494e, str(path), u64 #refs, str(ref)*, str(deriver), u64 0
 *   then:     u64 0
 * where numbers are little-endian u64 and str is a u64 length, the bytes, zero padding to 8.
 */

export interface ExportedFile {
  /** Absolute store path. */
  readonly path: string;
  readonly contents: Uint8Array | string;
  readonly executable?: boolean;
  /** Absolute store paths. */
  readonly references?: readonly string[];
  /** Absolute `.drv` path, or undefined. */
  readonly deriver?: string;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

function str(s: Uint8Array | string): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s) : Buffer.from(s);
  const pad = (8 - (bytes.length % 8)) % 8;
  return Buffer.concat([u64(bytes.length), bytes, Buffer.alloc(pad)]);
}

/** The NAR serialisation of a single regular file. */
export function narOfFile(contents: Uint8Array | string, executable = false): Buffer {
  const parts = [str('nix-archive-1'), str('('), str('type'), str('regular')];
  if (executable) parts.push(str('executable'), str(''));
  parts.push(str('contents'), str(contents), str(')'));
  return Buffer.concat(parts);
}

/** A `nix-store --import` stream of the files, in the given order (references first). */
export function exportStream(files: readonly ExportedFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const refs = f.references ?? [];
    parts.push(u64(1), narOfFile(f.contents, f.executable), u64(0x4558494e), str(f.path), u64(refs.length), ...refs.map(str), str(f.deriver ?? ''), u64(0));
  }
  parts.push(u64(0));
  return Buffer.concat(parts);
}
