/**
 * compareVersions / splitVersion / parseDrvName, fromJSON, and float printing against
 * Nix 2.8, one Nix process per table. toJSON of floats and of `\b`/`\f` is not compared:
 * there upstream (nlohmann::json) differs from 2.8 (6-digit floats, `\u0008`), and tix
 * follows upstream (see the unit tests for those forms).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { formatFloatFixed, formatFloatNix } from '../../../src/lang/lib/float-format.ts';
import { fromJSON } from '../../../src/lang/lib/json.ts';
import { compareVersions, parseDrvName, splitVersion } from '../../../src/lang/lib/versions.ts';
import { NIX_SKIP } from '../../support/nix.ts';
import { lcg } from './regex-cases.ts';
import { describeValue, NIX_DESCRIBE, nixEvalBatch, nixEvalError, nixStr } from './nix-batch.ts';

function randomVersions(seed: number, n: number): string[] {
  const rnd = lcg(seed);
  const parts = ['0', '1', '2', '10', '007', 'pre', 'rc', 'a', 'b', 'alpha', '.', '.', '-', '2147483648', 'x86_64', '\xe9'];
  return Array.from({ length: n }, () => {
    let s = '';
    for (let i = Math.floor(rnd() * 7); i > 0; i--) s += parts[Math.floor(rnd() * parts.length)];
    return s;
  });
}

describe('version functions against Nix 2.8', { skip: NIX_SKIP }, () => {
  it('agree on 600 random pairs and names', () => {
    const vs = randomVersions(99, 1200);
    const pairs = Array.from({ length: 600 }, (_, i) => [vs[2 * i]!, vs[2 * i + 1]!] as const);
    const exprs = pairs.flatMap(([a, b]) => [
      `builtins.compareVersions ${nixStr(a)} ${nixStr(b)}`,
      `builtins.splitVersion ${nixStr(a)}`,
      `builtins.parseDrvName ${nixStr(`${a}-${b}`)}`,
    ]);
    const want = nixEvalBatch(exprs);
    const got = pairs.flatMap(([a, b]) => [compareVersions(a, b), splitVersion(a), parseDrvName(`${a}-${b}`)]);
    assert.deepEqual(got, want);
  });
});

const JSON_DOCS = [
  '[1, -0, 1.0, 1e2, -0.0, 0.1, 1.5e-320, 9223372036854775807, -9223372036854775808, 18446744073709551616]',
  '{"b": {"c": [true, false, null]}, "a": [], "": {}, "a b": "c\\"d", "x": "\\u00e9\\ud83d\\ude00\\n\\t\\/"}',
  '{"a": 1, "a": 2}',
  ' \n\t[ [ [ [ ] ] ] , { "k" : [ 1 , 2 ] } ] \r\n',
  '"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"',
  '[1e308, -1e-308, 123456789012345678, 0.30000000000000004, 5e-324]',
];

const JSON_ERRORS = ['tru', '[1,2', '01', '{"a" 1}', '"\\uDC00"', '[1,]', '{"a":1,}', '"a\x01"', '1e400'];

describe('fromJSON against Nix 2.8', { skip: NIX_SKIP }, () => {
  it('parses the same values', () => {
    const want = nixEvalBatch(JSON_DOCS.map((d) => `(${NIX_DESCRIBE}) (builtins.fromJSON ${nixStr(d)})`));
    assert.deepEqual(JSON_DOCS.map((d) => describeValue(fromJSON(d))), want);
  });
  it('rejects the same documents with the same message', () => {
    for (const doc of JSON_ERRORS) {
      const err = nixEvalError(`builtins.fromJSON ${nixStr(doc)}`);
      assert.throws(() => fromJSON(doc), (e: Error) => err.includes(`error: ${e.message}`), `${doc}: Nix says ${err}`);
    }
  });
});

describe('float printing against Nix 2.8', { skip: NIX_SKIP }, () => {
  it('prints floats as nix-instantiate --eval and toString do', () => {
    const rnd = lcg(5);
    const xs = [0, -0, 1, 0.1, 1.5, 1.5e10, 123456789, 1 / 3, -2.5e-7, 1e-5, 1e15, 1e16, 1234565, 5e-324, 1e300, 0.5, 2.5, 999999.5];
    for (let i = 0; i < 300; i++) xs.push((rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20));
    const lits = xs.map((x) => `(builtins.fromJSON ${nixStr(Object.is(x, -0) ? '-0.0' : String(x).includes('.') || String(x).includes('e') ? String(x) : `${x}.0`)})`);
    const sb = nixEvalBatch([`map toString [ ${lits.join(' ')} ]`]);
    assert.deepEqual(sb[0], xs.map(formatFloatFixed));
    // nix-instantiate's own printer (not JSON) for the %g form.
    const printed = nixEvalBatch([`builtins.toJSON (map (x: builtins.toJSON x) [ ${lits.join(' ')} ])`]);
    // Nix 2.8's toJSON printed floats through the same ostream: compare with the %g form.
    assert.deepEqual(JSON.parse(printed[0] as string), xs.map(formatFloatNix));
  });
});
