import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FlakeRefError, flakeRefToString, parseFlakeRef } from '../../../../src/lang/lib/flakeref.ts';

const REV = '0123456789abcdef0123456789abcdef01234567';

// [input, attributes, canonical string]
const CASES: [string, Record<string, string>, string][] = [
  ['github:NixOS/nixpkgs', { owner: 'NixOS', repo: 'nixpkgs', type: 'github' }, 'github:NixOS/nixpkgs'],
  ['github:NixOS/nixpkgs/23.05?dir=lib', { dir: 'lib', owner: 'NixOS', ref: '23.05', repo: 'nixpkgs', type: 'github' }, 'github:NixOS/nixpkgs/23.05?dir=lib'],
  [`gitlab:o/r/${REV}`, { owner: 'o', repo: 'r', rev: REV, type: 'gitlab' }, `gitlab:o/r/${REV}`],
  ['github:o/r?ref=main&host=git.example.org', { host: 'git.example.org', owner: 'o', ref: 'main', repo: 'r', type: 'github' }, 'github:o/r/main?host=git.example.org'],
  ['github:o/r/feature/x', { owner: 'o', ref: 'feature/x', repo: 'r', type: 'github' }, 'github:o/r/feature/x'],
  ['sourcehut:~u/r', { owner: '~u', repo: 'r', type: 'sourcehut' }, 'sourcehut:~u/r'],
  ['nixpkgs', { id: 'nixpkgs', type: 'indirect' }, 'flake:nixpkgs'],
  ['nixpkgs/nixos-23.05', { id: 'nixpkgs', ref: 'nixos-23.05', type: 'indirect' }, 'flake:nixpkgs/nixos-23.05'],
  [`flake:nixpkgs/main/${REV}`, { id: 'nixpkgs', ref: 'main', rev: REV, type: 'indirect' }, `flake:nixpkgs/main/${REV}`],
];

describe('parseFlakeRef() and flakeRefToString()', () => {
  for (const [input, attrs, canonical] of CASES) {
    it(`parses ${input} and prints it back as ${canonical}`, () => {
      const got = parseFlakeRef(input);
      assert.deepEqual(Object.fromEntries(got), attrs);
      assert.deepEqual([...got.keys()], Object.keys(attrs).sort());
      assert.equal(flakeRefToString(got), canonical);
    });
  }

  const BAD: string[] = [
    'github:NixOS',
    `github:o/r/${REV}?rev=${REV}`,
    'github:o/r?foo=1',
    'github:o/r/main?rev=' + REV,
    '1nixpkgs',
    'nixpkgs/a/b',
    'nixpkgs#attr',
    'path:/tmp/x',
    'github:o/r/..bad',
  ];
  for (const input of BAD) {
    it(`rejects ${input}`, () => assert.throws(() => parseFlakeRef(input), FlakeRefError));
  }

  it('rejects attribute sets it cannot print', () => {
    assert.throws(() => flakeRefToString(new Map([['type', 'github'], ['owner', 'o']])), /attribute 'repo' missing/);
    assert.throws(() => flakeRefToString(new Map([['type', 'indirect'], ['id', 'x'], ['owner', 'o']])), /unsupported input attribute 'owner'/);
    assert.throws(() => flakeRefToString(new Map([['type', 'github'], ['owner', 'o'], ['repo', 'r'], ['ref', 'a'], ['rev', REV]])), /both a commit hash/);
    assert.throws(() => flakeRefToString(new Map([['type', 'git'], ['url', 'x']])), FlakeRefError);
  });
});
