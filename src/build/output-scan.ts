/**
 * One pass over a finished output: its NAR hash and size, and which of the candidate
 * store paths its NAR mentions (Nix: `scanForReferences`, which hashes the NAR while
 * feeding it to a `RefScanSink`). File names and symlink targets count, since they are in
 * the NAR too.
 */

import type { Hash } from '../hash/hash.ts';
import { hashPath } from '../store/local/nar-fs.ts';
import { RefScanner } from '../store/refscan.ts';

export interface OutputScan {
  readonly narHash: Hash;
  readonly narSize: number;
  /** Hash parts of the candidates found. */
  readonly found: ReadonlySet<string>;
}

export async function scanOutput(path: string, candidateHashParts: Iterable<string>): Promise<OutputScan> {
  const scanner = new RefScanner(candidateHashParts);
  const r = await hashPath(path, 'sha256', { scanner });
  return { narHash: r.hash, narSize: r.narSize, found: scanner.found };
}
