import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compileRegex,
  fastPathKinds,
  referenceMatch,
  referenceSplit,
  regexMatch,
  regexSplit,
} from '../../../../src/lang/lib/regex.ts';

// Expected values are what Nix 2.8 (libstdc++ 12 std::regex, extended) returns; the
// differential test re-checks the same behaviours against the real thing.
const MATCH: [pattern: string, subject: string, want: (string | null)[] | null][] = [
  ['abc', 'abc', []],
  ['ab', 'abc', null],
  ['a(b)(c)', 'abc', ['b', 'c']],
  ['[[:space:]]+([[:upper:]]+)[[:space:]]+', '  FOO   ', ['FOO']],
  ['((.*)/)?([^/]*)\\.(nix|cc)', 'foobar.cc', [null, null, 'foobar', 'cc']],
  ['((.*)/)?([^/]*)\\.(nix|cc)', '/a/b.nix', ['/a/', '/a', 'b', 'nix']],
  ['.', '\n', []], // POSIX `.` matches a newline
  ['.', '\xe9', []], // and any non-NUL byte
  ['(a*)*', '', ['']], // libstdc++ enters a loop body once at the same position
  ['(a|(b))*', 'ba', ['a', 'b']], // captures survive later iterations
  ['(a|ab)(c|bcd)(d*)', 'abcd', ['a', 'bcd', '']], // first solution that reaches the end
  ['a{2}{3}', 'aaaaaa', []],
  ['(a){0}', '', [null]],
  ['a{4294967295}', '', []], // the count wraps to -1 in libstdc++: zero copies
  ['[]a]+', ']a]', []],
  ['[^]a]+', 'bc', []],
  ['[[:w:]]+', 'a_1', []],
  ['[[=a=]]+', 'aA', []],
  ['[[.hyphen.]]', '-', []],
  ['[\\]+', '\\\\', []], // backslash is literal inside brackets
  ['[\x80-\xff]+', '\xc3\xa9', []],
  ['x|y|', '', []],
];

const SPLIT: [pattern: string, subject: string, want: (string | (string | null)[])[]][] = [
  ['(a)b', 'abc', ['', ['a'], 'c']],
  ['([ac])', 'abc', ['', ['a'], 'b', ['c'], '']],
  ['(a)|(c)', 'abc', ['', ['a', null], 'b', [null, 'c'], '']],
  ['([[:upper:]]+)', ' FOO ', [' ', ['FOO'], ' ']],
  ['fo+', 'f', ['f']],
  ['a|ab', 'xabc', ['x', [], 'c']], // the longer alternative wins in a search
  ['(a?)(ab)?', 'ab', ['', ['a', null], '', ['', null], 'b', ['', null], '']],
  ['', 'ab', ['', [], 'a', [], 'b', [], '']],
  ['x*', 'axxb', ['', [], 'a', [], '', [], 'b', [], '']],
  ['^', 'ab', ['', [], 'ab']],
  ['$', 'ab', ['ab', [], '']],
  ['^a', 'aaa', ['', [], 'aa']],
  ['(o+)', 'oooofoooo', ['', ['oooo'], 'f', ['oooo'], '']],
];

const INVALID = [
  '*a', 'a|*b', '^*', '(', 'a)', '[a', '[]', 'a{1', 'a{,2}', 'a{2,1}', '\\', '\\d', '\\w', '\\1', '\\n', '\\]', '\\}',
  '[z-a]', '[a-\xff]', '[[:foo:]]', '[[.ab.]]', '[a-c-e]', '[[:digit:]-z]', '{1}', 'a\0',
];

describe('regexMatch()', () => {
  for (const [p, s, want] of MATCH) {
    it(`matches ${JSON.stringify(p)} against ${JSON.stringify(s)}`, () => {
      assert.deepEqual(regexMatch(p, s), want);
      assert.deepEqual(referenceMatch(p, s), want);
    });
  }
});

describe('regexSplit()', () => {
  for (const [p, s, want] of SPLIT) {
    it(`splits ${JSON.stringify(s)} on ${JSON.stringify(p)}`, () => {
      assert.deepEqual(regexSplit(p, s), want);
      assert.deepEqual(referenceSplit(p, s), want);
    });
  }
});

describe('compileRegex()', () => {
  for (const p of INVALID) {
    it(`rejects ${JSON.stringify(p)} with Nix's message`, () => {
      assert.throws(() => compileRegex(p), { name: 'NixRegexError', code: 'E_REGEX_INVALID', message: `invalid regular expression '${p}'` });
    });
  }
  it('rejects a pattern whose NFA exceeds 100,000 states as too large', () => {
    assert.throws(() => compileRegex('a{99999}'), { code: 'E_REGEX_TOO_LARGE', message: "memory limit exceeded by regular expression 'a{99999}'" });
    assert.doesNotThrow(() => compileRegex('a{99990}'));
  });
  it('returns the cached compilation for a repeated pattern', () => {
    assert.equal(compileRegex('(x)y'), compileRegex('(x)y'));
  });
  it('keeps deep matches off the JavaScript stack', () => {
    const s = 'ab'.repeat(200000);
    assert.deepEqual(referenceMatch('(a|b)*', s), ['b']);
    assert.equal(regexSplit('(a|x)', s).length, 400001);
  });
});

describe('the RegExp fast path', () => {
  it('is used where it is safe and avoided where JavaScript differs', () => {
    assert.deepEqual(fastPathKinds('[[:alnum:],._+:@%/-]+'), { exact: true, search: true });
    assert.deepEqual(fastPathKinds('(.*)\\.(nix|cc)'), { exact: true, search: false });
    assert.deepEqual(fastPathKinds('(a|b)*'), { exact: true, search: true });
    assert.deepEqual(fastPathKinds('(a|(b))*'), { exact: false, search: false });
    assert.deepEqual(fastPathKinds('(a*)*'), { exact: false, search: false });
    assert.deepEqual(fastPathKinds('(x|y)z'), { exact: true, search: true });
  });

  it('gives the same results as the executor on random patterns', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '^', '$', '(a)', '(b|a)', '(ab)', '()');
    const quant = fc.constantFrom('', '', '*', '+', '?', '{2}', '{0,2}', '{1,}');
    const piece = fc.tuple(atom, quant).map(([a, q]) => a + q);
    const branch = fc.array(piece, { minLength: 0, maxLength: 4 }).map((a) => a.join(''));
    const pattern = fc.oneof(
      branch,
      fc.tuple(branch, branch).map(([x, y]) => `${x}|${y}`),
      fc.tuple(branch, fc.constantFrom('*', '+', '?', '{1,2}', '')).map(([x, q]) => `(${x})${q}`),
    );
    const subject = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 8 });
    fc.assert(
      fc.property(pattern, subject, (p, s) => {
        try {
          compileRegex(p);
        } catch {
          return true;
        }
        assert.deepEqual(regexMatch(p, s), referenceMatch(p, s));
        assert.deepEqual(regexSplit(p, s), referenceSplit(p, s));
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
