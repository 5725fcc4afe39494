/**
 * The tests/lang corpus through Nix 2.8 (the oracle the expected files were made with):
 * every `.exp` and `.err.exp` must still be what real Nix prints, except the cases in
 * `DIFFERS_FROM_28`, where the files hold upstream Nix's output and 2.8 is only required
 * to agree on success or failure when it supports the flags at all.
 */

import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { CORPUS_DIR, CORPUS_ENV, DIFFERS_FROM_28, errorLine, loadCorpus, normalise } from '../../support/lang-corpus.ts';

describe('the tests/lang corpus against Nix 2.8', { skip: NIX_SKIP }, () => {
  const sb = NIX_SKIP ? undefined : new NixSandbox();
  after(() => sb?.dispose());

  for (const c of loadCorpus()) {
    const differs = DIFFERS_FROM_28[c.name];
    it(`Nix 2.8 ${c.kind === 'okay' ? 'prints the .exp of' : 'fails with the .err.exp of'} ${c.name}${differs ? ` (differs: ${differs})` : ''}`, () => {
      const r = sb!.run('nix-instantiate', c.args, { cwd: CORPUS_DIR, env: { ...CORPUS_ENV } });
      const stdout = normalise(r.stdout.toString('latin1'));
      const stderr = normalise(r.stderr);
      if (differs !== undefined) {
        // Only the outcome is shared, and only when 2.8 knows the flags.
        if (/unrecognised flag/.test(stderr) || /overflow/.test(differs)) return;
        assert.equal(r.status === 0, c.kind === 'okay', stderr);
        return;
      }
      if (c.kind === 'okay') {
        assert.equal(r.status, 0, stderr);
        assert.equal(stdout, c.expected);
      } else {
        assert.equal(r.status, 1, `expected failure: ${stdout}`);
        if (c.expected !== undefined) assert.equal(errorLine(stderr, 'first'), c.expected, stderr);
      }
    });
  }
});
