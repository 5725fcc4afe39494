/** The format commands as a user runs them: `tix derivation show`, `tix key ...`, `tix narinfo verify`. */

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { drvFixture, DRV_VECTORS } from '../../support/drv-fixtures.ts';
import { exampleNarinfo, NARINFO_VECTORS, testPublicKey, testSecretKey } from '../../support/narinfo-fixtures.ts';
import { runTixText } from '../../support/tix-cli.ts';

const tix = (args: string[], input?: string) => runTixText(args, { input });
const tmp = mkdtempSync(join(tmpdir(), 'tix-cli-formats-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('tix derivation show', () => {
  it('prints the v4 JSON of .drv files, compact when not on a terminal', () => {
    const a = drvFixture('chain2');
    const b = drvFixture('flat-sha1');
    const r = tix(['derivation', 'show', join(DRV_VECTORS, a.path.baseName), join(DRV_VECTORS, b.path.baseName)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').length, 2);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, 4);
    assert.deepEqual(Object.keys(doc.derivations), [a.path.baseName, b.path.baseName].sort());
    assert.equal(doc.derivations[b.path.baseName].outputs.out.method, 'flat');
  });

  it('pretty-prints with --pretty', () => {
    const r = tix(['derivation', 'show', '--pretty', join(DRV_VECTORS, drvFixture('bottom').path.baseName)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\{\n {2}"derivations": \{\n {4}"/);
  });

  it('keys a .drv outside the store by the path it computes', () => {
    const f = drvFixture('bottom');
    writeFileSync(join(tmp, 'bottom.drv'), f.bytes);
    const r = tix(['derivation', 'show', join(tmp, 'bottom.drv')]);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout).derivations), [f.path.baseName]);
  });

  it('says where a malformed .drv is broken', () => {
    writeFileSync(join(tmp, 'bad.drv'), 'Derive([("out","","",""),oops');
    const r = tix(['derivation', 'show', join(tmp, 'bad.drv')]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: expected '\(' in derivation, found 'o' \(.*bad\.drv, byte 25\)\n$/);
  });
});

describe('tix key', () => {
  it('generates a secret key that converts to its public key', () => {
    const sec = tix(['key', 'generate-secret', '--key-name', 'cache.example.org-1']);
    assert.equal(sec.status, 0, sec.stderr);
    assert.match(sec.stdout, /^cache\.example\.org-1:[A-Za-z0-9+/]{86}==$/);
    const pub = tix(['key', 'convert-secret-to-public'], sec.stdout + '\n');
    assert.equal(pub.status, 0, pub.stderr);
    assert.match(pub.stdout, /^cache\.example\.org-1:[A-Za-z0-9+/]{43}=$/);
  });

  it('converts the secret key Nix generated to the public key Nix wrote', () => {
    assert.equal(tix(['key', 'convert-secret-to-public'], testSecretKey).stdout, testPublicKey);
  });

  it('needs --key-name and refuses a corrupt secret key', () => {
    assert.equal(tix(['key', 'generate-secret']).status, 2);
    const r = tix(['key', 'convert-secret-to-public'], 'nokey');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: secret key in 'standard input' is corrupt: expected '<name>:<base64>'/);
  });
});

describe('tix narinfo verify', () => {
  const example = join(NARINFO_VECTORS, 'f9bimffc00zxvywpsghnr2w6ibrrimsc.narinfo');
  const dep = join(NARINFO_VECTORS, 'kj70h0d215p6js7as927nisxg6wrshb1.narinfo');

  it('exits 0 for narinfos signed by a trusted key', () => {
    const r = tix(['narinfo', 'verify', '--trusted-public-keys', testPublicKey, example, dep]);
    assert.equal(r.status, 0, r.stderr);
  });

  it('exits 1 and says why when no trusted key signed it', () => {
    const other = tix(['key', 'convert-secret-to-public'], tix(['key', 'generate-secret', '--key-name', 'other-1']).stdout).stdout;
    const r = tix(['narinfo', 'verify', '--trusted-public-keys', other, example, dep]);
    assert.equal(r.status, 1);
    // The content-addressed one needs no signature; the other is only signed by test-1.
    assert.match(r.stderr, /^error: .*f9bimffc00zxvywpsghnr2w6ibrrimsc\.narinfo: path '\/nix\/store\/f9bimffc00zxvywpsghnr2w6ibrrimsc-example-1\.0' is not signed by any of the keys in 'trusted-public-keys': it is signed only by keys that are not trusted: 'test-1'\n$/);
  });

  it('reports a corrupt narinfo with its file and line', () => {
    writeFileSync(join(tmp, 'x.narinfo'), exampleNarinfo.replace('NarSize: 240', 'NarSize: x'));
    const r = tix(['narinfo', 'verify', '--trusted-public-keys', testPublicKey, join(tmp, 'x.narinfo')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: NAR info file '.*x\.narinfo' is corrupt: invalid NarSize 'x' at line 7\n$/);
  });
});
