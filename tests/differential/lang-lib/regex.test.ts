/**
 * builtins.match / builtins.split against Nix 2.8 (libstdc++'s std::regex): every
 * hand-picked pattern on every subject, plus seeded random patterns, in one Nix process per
 * table; invalid patterns are compared one process each (an EvalError cannot be caught
 * by tryEval, so it would abort a batch).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { NixRegexError, regexMatch, regexSplit } from '../../../src/lang/lib/regex.ts';
import { NIX_SKIP } from '../../support/nix.ts';
import { nixEvalBatch, nixEvalError, nixStr } from './nix-batch.ts';
import { PATTERNS, randomPatterns, randomSubjects, SUBJECTS } from './regex-cases.ts';

function validity(p: string): 'ok' | 'invalid' | 'space' {
  try {
    regexMatch(p, '');
    return 'ok';
  } catch (e) {
    if (e instanceof NixRegexError) return e.code === 'E_REGEX_TOO_LARGE' ? 'space' : 'invalid';
    throw e;
  }
}

function compareTable(pairs: [string, string][]): void {
  const exprs = pairs.flatMap(([p, s]) => [`builtins.match ${nixStr(p)} ${nixStr(s)}`, `builtins.split ${nixStr(p)} ${nixStr(s)}`]);
  const want = nixEvalBatch(exprs);
  const bad: string[] = [];
  pairs.forEach(([p, s], i) => {
    const m = regexMatch(p, s);
    const sp = regexSplit(p, s);
    if (JSON.stringify(m) !== JSON.stringify(want[2 * i])) bad.push(`match ${JSON.stringify(p)} ${JSON.stringify(s)}: tix ${JSON.stringify(m)}, nix ${JSON.stringify(want[2 * i])}`);
    if (JSON.stringify(sp) !== JSON.stringify(want[2 * i + 1])) bad.push(`split ${JSON.stringify(p)} ${JSON.stringify(s)}: tix ${JSON.stringify(sp)}, nix ${JSON.stringify(want[2 * i + 1])}`);
  });
  assert.deepEqual(bad.slice(0, 20), []);
}

describe('builtins.match and builtins.split against Nix 2.8', { skip: NIX_SKIP }, () => {
  it('agree on every hand-picked valid pattern and subject', () => {
    const valid = PATTERNS.filter((p) => validity(p) === 'ok');
    assert.ok(valid.length > 120);
    compareTable(valid.flatMap((p) => SUBJECTS.map((s): [string, string] => [p, s])));
  });

  it('agree on 1500 random patterns', () => {
    const pats = randomPatterns(20260822, 1500).filter((p) => validity(p) === 'ok');
    const subjects = randomSubjects(7, pats.length);
    compareTable(pats.map((p, i): [string, string] => [p, subjects[i]!]));
  });

  it('reject the same patterns with the same message', () => {
    const rejected = PATTERNS.filter((p) => validity(p) !== 'ok');
    assert.ok(rejected.length > 40);
    // One process per case: sample a fixed subset to keep the test quick.
    for (const p of rejected.filter((_, i) => i % 4 === 0)) {
      const err = nixEvalError(`builtins.match ${nixStr(p)} ""`);
      const tix = (() => {
        try {
          regexMatch(p, '');
          return '';
        } catch (e) {
          return (e as Error).message;
        }
      })();
      assert.ok(err.includes(`error: ${tix}`), `pattern ${JSON.stringify(p)}: tix says ${JSON.stringify(tix)}, Nix says ${err}`);
    }
  });
});
