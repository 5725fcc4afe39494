/**
 * Store paths made up for adversary tests: an input-addressed-looking path (no CA, so only
 * a signature can vouch for it), its NAR written with the independent test encoder
 * (nar.ts, so malformed NARs can be written too), and its narinfo signed by a key of the
 * test's choosing. A signed narinfo over a malformed NAR has the NAR's real hash: the
 * NAR itself, not the hash check, must be what stops it.
 */

import { hashBytes } from '../../src/hash/digest.ts';
import {
  generateSecretKey, printPublicKey, signPathInfo, StoreDir, type SecretKey, type StorePath, toPublicKey,
} from '../../src/store/index.ts';
import { build, type Piece } from './nar.ts';

export const storeDir = new StoreDir('/nix/store');

export function makeKey(name: string, seedByte: number): { secret: SecretKey; publicKey: string } {
  const secret = generateSecretKey(name, new Uint8Array(32).fill(seedByte));
  return { secret, publicKey: printPublicKey(toPublicKey(secret)) };
}

/** A path named `name` that no derivation or content determines (only a signature can vouch for it). */
export function madeUpPath(name: string): StorePath {
  return storeDir.makeStorePath('output:out', hashBytes('sha256', `adversary ${name}`), name);
}

/** NAR pieces of a single regular file. */
export const fileNar = (contents: string | Uint8Array): Piece[] => ['nix-archive-1', '(', 'type', 'regular', 'contents', contents, ')'];

/** NAR pieces of a directory holding the given entries (each: name, then the node's pieces without the magic). */
export function dirNar(entries: readonly [string, Piece[]][]): Piece[] {
  return ['nix-archive-1', '(', 'type', 'directory', ...entries.flatMap(([n, node]) => ['entry', '(', 'name', n, 'node', ...node, ')']), ')'];
}
export const fileNode = (contents: string): Piece[] => ['(', 'type', 'regular', 'contents', contents, ')'];
export const symlinkNode = (target: string): Piece[] => ['(', 'type', 'symlink', 'target', target, ')'];
export const dirNode = (entries: readonly [string, Piece[]][]): Piece[] => ['(', 'type', 'directory', ...entries.flatMap(([n, node]) => ['entry', '(', 'name', n, 'node', ...node, ')']), ')'];

export interface MadeUpPath {
  path: StorePath;
  printed: string;
  nar: Uint8Array;
  narSize: number;
  narHash: string;
  references: StorePath[];
  /** The narinfo, signed over this NAR and these references. */
  narinfo: string;
}

export interface NarinfoFields {
  compression?: string;
  url?: string;
  fileSize?: number;
}

/** `path` with `nar` (bytes or test-encoder pieces), signed by `key` (or unsigned when undefined). */
export function signedPath(path: StorePath, nar: Uint8Array | Piece[], key: SecretKey | undefined, references: StorePath[] = [], fields: NarinfoFields = {}): MadeUpPath {
  const bytes = nar instanceof Uint8Array ? nar : build(nar);
  const hash = hashBytes('sha256', bytes);
  const info = { path, narHash: hash, narSize: bytes.length, references };
  const sig = key ? signPathInfo(info, storeDir, key) : undefined;
  const narinfo = [
    `StorePath: ${storeDir.printPath(path)}`,
    `URL: ${fields.url ?? `nar/${hash.toString('nix32', false)}.nar`}`,
    `Compression: ${fields.compression ?? 'none'}`,
    ...(fields.fileSize !== undefined ? [`FileSize: ${fields.fileSize}`] : []),
    `NarHash: ${hash.toString('nix32', true)}`,
    `NarSize: ${bytes.length}`,
    `References: ${references.map((r) => r.baseName).sort().join(' ')}`,
    ...(sig ? [`Sig: ${sig}`] : []),
    '',
  ].join('\n');
  return { path, printed: storeDir.printPath(path), nar: bytes, narSize: bytes.length, narHash: hash.toString('nix32', true), references, narinfo };
}
