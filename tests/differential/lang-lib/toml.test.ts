/**
 * builtins.fromTOML against Nix 2.8 (toml11 3.x) on tix's own documents: valid documents
 * must give the same value, malformed ones must be rejected by both. Error wording is not
 * compared: upstream Nix uses toml11 v4, whose messages differ from 2.8's, and tix follows
 * upstream (the unit tests pin those). Dates and times fail in both (2.8 has no
 * `parse-toml-timestamps`).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { fromTOML } from '../../../src/lang/lib/toml.ts';
import { NIX_SKIP } from '../../support/nix.ts';
import { describeValue, NIX_DESCRIBE, nixEvalBatch, nixEvalError, nixStr } from './nix-batch.ts';
import { TOML_INVALID, TOML_VALID } from './toml-cases.ts';

/** The document as a byte string (the cases are written as Unicode). */
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

describe('fromTOML against Nix 2.8', { skip: NIX_SKIP }, () => {
  it('parses valid documents to the same values', () => {
    const want = nixEvalBatch(TOML_VALID.map((d) => `(${NIX_DESCRIBE}) (builtins.fromTOML ${nixStr(bytes(d))})`));
    const got = TOML_VALID.map((d) => describeValue(fromTOML(bytes(d))));
    for (let i = 0; i < TOML_VALID.length; i++) assert.deepEqual(got[i], want[i], JSON.stringify(TOML_VALID[i]));
  });

  it('rejects the same malformed documents', () => {
    for (const doc of TOML_INVALID) {
      const nixErr = nixEvalError(`builtins.fromTOML ${nixStr(bytes(doc))}`);
      assert.match(nixErr, /while parsing a TOML string/, `Nix accepted ${JSON.stringify(doc)}`);
      assert.throws(() => fromTOML(bytes(doc)), /while parsing TOML: /, `tix accepted ${JSON.stringify(doc)}`);
    }
  });
});
