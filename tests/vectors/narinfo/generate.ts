/**
 * Regenerate the narinfo and key fixtures beside this file with real Nix:
 *   node tests/vectors/narinfo/generate.ts
 * Makes a key with `nix-store --generate-binary-cache-key test-1`, imports an
 * input-addressed path with references (itself included) and a deriver, adds a
 * content-addressed source, signs both with `nix store sign` and copies them with
 * `nix copy --to file://` (xz). The test key is for tests only.
 */

import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NixSandbox } from '../../support/nix.ts';
import { exportStream } from '../../support/nix-export.ts';

const here = dirname(fileURLToPath(import.meta.url));
const EXAMPLE_PATH = '/nix/store/f9bimffc00zxvywpsghnr2w6ibrrimsc-example-1.0';
const EXAMPLE_DERIVER = '/nix/store/j9jjbdsf66wchqgchd565mncv7w9qwqw-example-1.0.drv';

const nix = new NixSandbox();
try {
  nix.ok('nix-store', ['--generate-binary-cache-key', 'test-1', join(nix.root, 'test-1.sec'), join(nix.root, 'test-1.pub')]);
  writeFileSync(join(nix.root, 'dep.txt'), 'a dependency\n');
  const dep = nix.ok('nix-store', ['--add', join(nix.root, 'dep.txt')]).trim();
  const stream = exportStream([{ path: EXAMPLE_PATH, contents: `uses ${dep} and itself ${EXAMPLE_PATH}\n`, references: [dep, EXAMPLE_PATH], deriver: EXAMPLE_DERIVER }]);
  nix.ok('nix-store', ['--import'], { input: stream });
  nix.ok('nix', ['store', 'sign', '--key-file', join(nix.root, 'test-1.sec'), EXAMPLE_PATH, dep]);
  nix.ok('nix', ['copy', '--to', `file://${join(nix.root, 'cache')}`, EXAMPLE_PATH]);
  for (const f of readdirSync(here)) if (f.endsWith('.narinfo')) rmSync(join(here, f));
  for (const f of readdirSync(join(nix.root, 'cache'))) if (f.endsWith('.narinfo')) copyFileSync(join(nix.root, 'cache', f), join(here, f));
  copyFileSync(join(nix.root, 'test-1.sec'), join(here, 'test-1.sec'));
  copyFileSync(join(nix.root, 'test-1.pub'), join(here, 'test-1.pub'));
  console.log(`wrote narinfos and test-1 keys to ${here}`);
} finally {
  nix.dispose();
}
