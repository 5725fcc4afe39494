import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { listNarText, lookupNarListing, NarListingSink, narBytes, parseNarBytes, printNarListingJson } from '../../../../src/store/index.ts';
import { dir, file, link, treeNode } from '../../../support/nar.ts';

// The tree behind the expected outputs below, which Nix 2.8 printed (`nix nar ls`) for the same NAR.
const tree = dir({ a: file('hello'), empty: file(''), link: link('a'), sub: dir({ x: file('#!/bin/sh\n', true) }) });
const sink = new NarListingSink();
parseNarBytes(narBytes(treeNode(tree)), sink);
const root = sink.listing;

describe('printNarListingJson()', () => {
  it('prints a deep listing with narOffset, as nix nar ls --json -R', () => {
    assert.equal(
      printNarListingJson(root),
      '{"type":"directory","entries":{"a":{"type":"regular","size":5,"narOffset":232},"empty":{"type":"regular","size":0,"narOffset":424},' +
        '"link":{"type":"symlink","target":"a"},"sub":{"type":"directory","entries":{"x":{"type":"regular","size":10,"executable":true,"narOffset":968}}}}}',
    );
  });

  it('prints a shallow listing with empty objects for the entries', () => {
    assert.equal(printNarListingJson(root, false), '{"type":"directory","entries":{"a":{},"empty":{},"link":{},"sub":{}}}');
  });

  it('keeps NAR order for names that look like numbers', () => {
    const s = new NarListingSink();
    parseNarBytes(narBytes(treeNode(dir({ '10': file(''), '9': file(''), b: file('') }))), s);
    assert.match(printNarListingJson(s.listing, false), /"10":\{\},"9":\{\},"b":\{\}/);
  });
});

describe('listNarText()', () => {
  const cases: [string, string, Parameters<typeof listNarText>[2], string[]][] = [
    ['the root', '/', {}, ['./a', './empty', './link', './sub']],
    ['the root recursively', '/', { recursive: true }, ['./a', './empty', './link', './sub', './sub/x']],
    [
      'the root long and recursively',
      '/',
      { recursive: true, long: true },
      [
        '-r--r--r--                    5 ./a',
        '-r--r--r--                    0 ./empty',
        'lrwxrwxrwx                    0 ./link -> a',
        'dr-xr-xr-x                    0 ./sub',
        '-r-xr-xr-x                   10 ./sub/x',
      ],
    ],
    ['a subdirectory', '/sub', {}, ['./x']],
    ['a file by its base name', '/sub/x', {}, ['x']],
    ['a symlink long', '/link', { long: true }, ['lrwxrwxrwx                    0 link -> a']],
    ['a directory itself with -d', '/sub', { directory: true, long: true }, ['dr-xr-xr-x                    0 .']],
  ];
  for (const [what, path, options, expected] of cases) {
    it(`lists ${what}`, () => assert.deepEqual(listNarText(lookupNarListing(root, path), path, options), expected));
  }
});

describe('lookupNarListing()', () => {
  it('finds paths, ignoring "." and extra slashes', () => {
    assert.equal(lookupNarListing(root, '//sub/./x').type, 'regular');
  });

  for (const path of ['/nope', '/link/x', '/a/b']) {
    it(`says '${path}' does not exist (symlinks are not followed)`, () => {
      assert.throws(() => lookupNarListing(root, path), { message: `path '${path}' does not exist` });
    });
  }

  it('rejects a relative path', () => {
    assert.throws(() => lookupNarListing(root, 'sub'), { message: "not an absolute path: 'sub'" });
  });
});
