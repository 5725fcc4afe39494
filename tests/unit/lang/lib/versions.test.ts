import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareVersions, parseDrvName, splitVersion } from '../../../../src/lang/lib/versions.ts';

// Results as Nix (libstore/names.cc) gives them.
const COMPARE: [string, string, -1 | 0 | 1][] = [
  ['1.0', '2.3', -1],
  ['2.1', '2.3', -1],
  ['2.3', '2.3', 0],
  ['2.5', '2.3', 1],
  ['3.1', '2.3', 1],
  ['2.3.1', '2.3', 1],
  ['2.3.1', '2.3a', 1], // a number sorts after a word
  ['2.3pre1', '2.3', -1], // `pre` sorts first
  ['2.3pre3', '2.3pre12', -1],
  ['2.3a', '2.3c', -1],
  ['2.3pre1', '2.3c', -1],
  ['2.3pre1', '2.3q', -1],
  ['1.2-3', '1.2.3', 0], // separators are equivalent
  ['1..2', '1.2', 0],
  ['01', '1', 0],
  ['1.99999999999', '1.2', -1], // beyond int: not a number, and words sort before numbers
  ['1.2147483647', '1.2147483646', 1],
  ['1.2147483648', '1.2147483647', -1],
  ['', '0', -1],
  ['a', 'B', 1], // bytewise
  ['\xe9', 'z', 1],
];

const SPLIT: [string, string[]][] = [
  ['1.2.3', ['1', '2', '3']],
  ['2.3pre12', ['2', '3', 'pre', '12']],
  ['1.0-rc.1', ['1', '0', 'rc', '1']],
  ['..1--2..', ['1', '2']],
  ['', []],
  ['abc', ['abc']],
  ['1a2b', ['1', 'a', '2', 'b']],
];

const DRV: [string, string, string][] = [
  ['nix-0.12pre12876', 'nix', '0.12pre12876'],
  ['apache-httpd-2.0.48', 'apache-httpd', '2.0.48'],
  ['hello', 'hello', ''],
  ['foo-', 'foo-', ''],
  ['foo--1', 'foo', '-1'],
  ['foo-_bar', 'foo', '_bar'],
  ['foo-\xe9', 'foo', '\xe9'], // only ASCII letters count
  ['-1', '', '1'],
];

describe('compareVersions()', () => {
  for (const [a, b, want] of COMPARE) {
    it(`compares ${JSON.stringify(a)} with ${JSON.stringify(b)} as ${want}`, () => {
      assert.equal(compareVersions(a, b), want);
      assert.equal(compareVersions(b, a), -want || 0);
    });
  }
  it('is a consistent order on generated versions', () => {
    const version = fc.string({ unit: fc.constantFrom('1', '2', '0', '.', '-', 'a', 'pre', 'rc', '10'), maxLength: 8 });
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        assert.equal(compareVersions(a, b), -compareVersions(b, a) || 0);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) assert.ok(compareVersions(a, c) <= 0);
        // A version equals the join of its own components.
        assert.equal(compareVersions(a, splitVersion(a).join('.')), 0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('splitVersion()', () => {
  for (const [v, want] of SPLIT) it(`splits ${JSON.stringify(v)}`, () => assert.deepEqual(splitVersion(v), want));
});

describe('parseDrvName()', () => {
  for (const [s, name, version] of DRV) it(`parses ${JSON.stringify(s)}`, () => assert.deepEqual(parseDrvName(s), { name, version }));
});
