/**
 * builtins.fromTOML against Nix 2.8 (toml11 3.x) on tix's own documents: valid documents
 * must give the same value, malformed ones must be rejected by both. Error wording is not
 * compared: upstream Nix uses toml11 v4, whose messages differ from 2.8's, and tix follows
 * upstream (the unit tests pin those). Dates and times fail in both (2.8 has no
 * `parse-toml-timestamps`).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isFloat, type PlainValue } from '../../../src/lang/lib/data.ts';
import { formatFloatFixed } from '../../../src/lang/lib/float-format.ts';
import { fromTOML } from '../../../src/lang/lib/toml.ts';
import { NIX_SKIP } from '../../support/nix.ts';
import { nixEvalBatch, nixEvalError, nixStr } from './nix-batch.ts';
import { TOML_INVALID, TOML_VALID } from './toml-cases.ts';

/** A value as Nix shows it in JSON, with floats as ["float", toString] so 1 ≠ 1.0. */
const NIX_DESCRIBE = `let d = v: if builtins.isFloat v then [ "float" (toString v) ] else if builtins.isList v then map d v
  else if builtins.isAttrs v then builtins.mapAttrs (n: d) v else v; in d`;

function describeValue(v: PlainValue): unknown {
  if (isFloat(v)) return ['float', formatFloatFixed(v.float)];
  if (Array.isArray(v)) return v.map(describeValue);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, describeValue(x)]));
  return typeof v === 'bigint' ? Number(v) : v;
}

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
