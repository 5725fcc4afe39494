/**
 * `builtins.replaceStrings` on random inputs (small alphabets, so patterns overlap, repeat
 * and include the empty pattern) through tix in-process and Nix 2.8, compared as JSON.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runInstantiate } from '../../../cli/commands/instantiate.ts';
import { NIX_SKIP } from '../../support/nix.ts';
import { lcg } from '../lang-lib/regex-cases.ts';
import { nixEvalBatch, nixStr } from '../lang-lib/nix-batch.ts';

function tixEval(expr: string): unknown {
  let out = '';
  let err = '';
  const code = runInstantiate(['--eval', '--strict', '--json', '-E', expr], {
    stdout: (b) => (out += b),
    stderr: (b) => (err += b),
    env: {},
    cwd: '/',
    readStdin: () => '',
  });
  assert.equal(code, 0, err);
  return JSON.parse(out);
}

describe('replaceStrings against Nix 2.8', { skip: NIX_SKIP }, () => {
  it('agrees on 300 random cases', () => {
    const rnd = lcg(17);
    const word = (max: number): string => Array.from({ length: Math.floor(rnd() * (max + 1)) }, () => 'aab'[Math.floor(rnd() * 3)]).join('');
    const exprs = Array.from({ length: 300 }, () => {
      const n = 1 + Math.floor(rnd() * 3);
      const from = Array.from({ length: n }, () => word(2));
      const to = Array.from({ length: n }, () => word(2).toUpperCase());
      return `builtins.replaceStrings [ ${from.map(nixStr).join(' ')} ] [ ${to.map(nixStr).join(' ')} ] ${nixStr(word(8))}`;
    });
    assert.deepEqual(tixEval(`[ ${exprs.map((e) => `(${e})`).join('\n')} ]`), nixEvalBatch(exprs));
  });
});
