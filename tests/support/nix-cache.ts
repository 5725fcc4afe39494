/**
 * A real Nix binary cache for P2P tests: store paths added by Nix 2.8 to a throw-away
 * `local?root=` store, signed with a fresh key, and copied with `nix copy --to file://DIR`
 * (so the narinfos, signatures and NARs are Nix's own, not ours).
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NixSandbox } from './nix.ts';

export interface CachedPath {
  storePath: string;
  hashPart: string;
  narinfo: string;
  narSize: number;
  /** The uncompressed NAR (`nix-store --dump`). */
  nar: Uint8Array;
}

export interface NixCache {
  dir: string;
  compression: 'none' | 'zstd';
  paths: CachedPath[];
  publicKey: string;
  dispose(): void;
}

/** Files of each path to add: name → contents (a string, or bytes for size). */
export type PathSpec = Record<string, string | Uint8Array>;

export const defaultSpecs: PathSpec[] = [
  { 'hello.txt': 'hello from nix\n' },
  { 'bin/tool': '#!/bin/sh\necho tool\n', 'share/doc/README': 'a readme\n', 'share/data': 'x'.repeat(5000) },
  // ~1.5 MiB of compressible bytes: several NAR frames, and zstd has something to do.
  { 'big.dat': Uint8Array.from({ length: 1_500_000 }, (_, i) => (i * 31 + (i >> 9)) & 0x3f) },
];

export function makeNixCache(compression: 'none' | 'zstd', specs: PathSpec[] = defaultSpecs): NixCache {
  const nix = new NixSandbox();
  const work = mkdtempSync(join(tmpdir(), 'tix-nix-cache-'));
  const dir = join(work, 'cache');
  try {
    nix.ok('nix-store', ['--generate-binary-cache-key', 'tix-test-1', join(work, 'sk'), join(work, 'pk')]);
    const storePaths = specs.map((spec, i) => {
      const src = join(work, `src${i}`);
      for (const [name, data] of Object.entries(spec)) {
        mkdirSync(join(src, name, '..'), { recursive: true });
        writeFileSync(join(src, name), data);
        if (name.startsWith('bin/')) chmodSync(join(src, name), 0o755);
      }
      if (i === 1) symlinkSync('bin/tool', join(src, 'link'));
      return nix.ok('nix-store', ['--add', src]).trim();
    });
    nix.ok('nix', ['store', 'sign', '--key-file', join(work, 'sk'), ...storePaths]);
    nix.ok('nix', ['copy', '--to', `file://${dir}?compression=${compression}`, ...storePaths]);
    const paths = storePaths.map((storePath) => {
      const hashPart = storePath.slice('/nix/store/'.length, '/nix/store/'.length + 32);
      const narinfo = readFileSync(join(dir, `${hashPart}.narinfo`), 'utf8');
      const nar = new Uint8Array(nix.run('nix-store', ['--dump', nix.root + storePath]).stdout);
      return { storePath, hashPart, narinfo, narSize: nar.length, nar };
    });
    const publicKey = readFileSync(join(work, 'pk'), 'utf8').trim();
    return { dir, compression, paths, publicKey, dispose: () => rmSync(work, { recursive: true, force: true }) };
  } finally {
    nix.dispose();
  }
}
