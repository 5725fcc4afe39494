import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hashBytes } from '../../../src/hash/digest.ts';
import { parseHash } from '../../../src/hash/hash.ts';
import { StoreDir } from '../../../src/store/store-dir.ts';
import { StorePath } from '../../../src/store/store-path.ts';

const store = new StoreDir();
const H = '00000000000000000000000000000000';

describe('StorePath', () => {
  it('accepts a valid base name', () => {
    const p = new StorePath(`${H}-hello-2.12`);
    assert.equal(p.hashPart, H);
    assert.equal(p.name, 'hello-2.12');
  });
  const bad = [
    { why: 'too short', base: 'abc', re: /too short/ },
    { why: 'no dash', base: `${H}xhello`, re: /not followed by a '-'/ },
    { why: 'illegal base-32 char', base: `${H.slice(0, 31)}e-x`, re: /illegal base-32 character 'e'/ },
    { why: 'empty name', base: `${H}-`, re: /name must not be empty/ },
    { why: 'name "."', base: `${H}-.`, re: /name '.' is not valid/ },
    { why: 'name ".."', base: `${H}-..`, re: /name '..' is not valid/ },
    { why: 'name ".-x"', base: `${H}-.-x`, re: /first dash-separated component must not be '.'/ },
    { why: 'name "..-x"', base: `${H}-..-x`, re: /must not be '..'/ },
    { why: 'illegal char', base: `${H}-a b`, re: /contains illegal character ' '/ },
    { why: 'name too long', base: `${H}-${'a'.repeat(212)}`, re: /no longer than 211/ },
  ];
  for (const c of bad) it(`rejects a base name with ${c.why}`, () => assert.throws(() => new StorePath(c.base), c.re));
  it('accepts ".x" and "..x" names', () => {
    assert.equal(new StorePath(`${H}-.x`).name, '.x');
    assert.equal(new StorePath(`${H}-..x`).name, '..x');
  });
});

describe('StoreDir.parsePath()', () => {
  it('parses and canonicalises an absolute path', () => {
    assert.equal(store.parsePath(`/nix//store/./${H}-x`).baseName, `${H}-x`);
  });
  it('rejects a path outside the store', () => {
    assert.throws(() => store.parsePath(`/nix/other/${H}-x`), /not in the Nix store/);
    assert.throws(() => store.parsePath(`/nix/store/${H}-x/bin`), /not in the Nix store/);
  });
  it('finds the store path a deeper path belongs to', () => {
    const { storePath, rest } = store.parsePathWithin(`/nix/store/${H}-x/bin/sh`);
    assert.equal(storePath.baseName, `${H}-x`);
    assert.equal(rest, '/bin/sh');
  });
});

describe('StoreDir.make*Path()', () => {
  it('makes the source path of a recursively added file', () => {
    const narHash = parseHash('sha256:1w6nah5f7rz21gf3k2lzknbdqayd9silnz33jiddi0grrqxwfzz5');
    assert.equal(narHash.base16, 'e57fc73bcef981d85a94637c4ba34ecd2bdc969d9f8a39dc0be2e7e30a54d6f0');
    // ^ sha256 of `nix-store --dump` of a directory `nt` holding a.txt; `nix-store --add nt` gives:
    const p = store.makeFixedOutputPath('nt', 'nar', narHash);
    assert.equal(store.printPath(p), '/nix/store/x4f9x59g4cm9zkciy3rs9x4dgskbxbs5-nt');
  });
  it('refuses references on a flat fixed-output path', () => {
    const ref = new StorePath(`${H}-x`);
    assert.throws(() => store.makeFixedOutputPath('f', 'flat', hashBytes('sha256', 'x'), [ref]), /not allowed to refer/);
  });
});
