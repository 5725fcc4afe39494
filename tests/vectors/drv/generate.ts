/**
 * Regenerate the .drv fixtures beside this file from derivations.nix with real Nix:
 *   node tests/vectors/drv/generate.ts
 * Each fixture is named after its store path (`<hash>-<name>.drv`), which is what the unit
 * tests check tix reproduces.
 */

import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NixSandbox } from '../../support/nix.ts';

const here = dirname(fileURLToPath(import.meta.url));
const nix = new NixSandbox();
try {
  const env = { NIX_CONFIG: 'experimental-features = nix-command ca-derivations impure-derivations\nsandbox = false\nsubstituters =\n' };
  nix.ok('nix-instantiate', [join(here, 'derivations.nix'), '-A', 'all', '-A', 'experimental'], { env });
  for (const f of readdirSync(here)) if (f.endsWith('.drv')) rmSync(join(here, f));
  const store = join(nix.root, 'nix', 'store');
  const drvs = readdirSync(store).filter((f) => f.endsWith('.drv'));
  for (const f of drvs) copyFileSync(join(store, f), join(here, f));
  console.log(`wrote ${drvs.length} .drv files to ${here}`);
} finally {
  nix.dispose();
}
