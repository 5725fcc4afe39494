import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hashBytes } from '../../../src/hash/digest.ts';
import {
  generateSecretKey,
  type NarInfo,
  parseNarInfo,
  parsePublicKeys,
  signPathInfo,
  StoreDir,
  StorePath,
  toPublicKey,
  type ValidPathInfo,
} from '../../../src/store/index.ts';
import { checkPathInfo, type TrustPolicy } from '../../../src/trust/index.ts';
import { depNarinfo, exampleNarinfo, testPublicKey } from '../../support/narinfo-fixtures.ts';

const storeDir = new StoreDir();
const example = parseNarInfo(exampleNarinfo);
const dep = parseNarInfo(depNarinfo);
const trusted: TrustPolicy = { trustedKeys: parsePublicKeys(testPublicKey), requireSigs: true, storeDir };
const otherKey = generateSecretKey('other-1', new Uint8Array(32).fill(9));

const rejects = (info: ValidPathInfo, policy: TrustPolicy, re: RegExp) => {
  const v = checkPathInfo(info, policy);
  assert.equal(v.ok, false);
  assert.match((v as { reason: string }).reason, re);
};

describe('checkPathInfo()', () => {
  it('accepts a path signed by a trusted key', () => {
    assert.deepEqual(checkPathInfo(example, trusted), { ok: true, how: 'signed', keyName: 'test-1' });
  });

  it('accepts anything when signatures are not required', () => {
    assert.deepEqual(checkPathInfo({ ...example, sigs: [] }, { ...trusted, requireSigs: false }), { ok: true, how: 'signatures-not-required' });
  });

  it('accepts an unsigned path whose CA proves its path', () => {
    assert.deepEqual(checkPathInfo({ ...dep, sigs: [] }, { ...trusted, trustedKeys: new Map() }), { ok: true, how: 'content-addressed' });
  });

  it('accepts a text CA with references when they are the ones hashed into its path', () => {
    const h = hashBytes('sha256', 'text with a reference');
    const path = storeDir.makeTextPath('t.txt', h, [dep.path]);
    assert.deepEqual(checkPathInfo({ path, narHash: h, narSize: 1, references: [dep.path], sigs: [], ca: { method: 'text', hash: h } }, trusted), { ok: true, how: 'content-addressed' });
  });

  it('rejects a CA claim that does not produce the path', () => {
    const renamed = new StorePath(dep.path.baseName.replace('dep.txt', 'dop.txt'));
    rejects({ ...dep, path: renamed, sigs: [] }, trusted, /claims to be content-addressed but its CA does not match its path; it has no signatures/);
  });

  it('rejects a CA claim with references it could not have', () => {
    rejects({ ...dep, references: [example.path], sigs: [] }, trusted, /claims to be content-addressed/);
  });

  it('rejects a text CA with a self-reference', () => {
    const h = hashBytes('sha256', 'x');
    const path = storeDir.makeTextPath('t.txt', h, []);
    rejects({ path, narHash: h, narSize: 1, references: [path], sigs: [], ca: { method: 'text', hash: h } }, trusted, /claims to be content-addressed/);
  });

  it('rejects a path without signatures', () => {
    rejects({ ...example, sigs: [] }, trusted, /^path '\/nix\/store\/f9bimffc00zxvywpsghnr2w6ibrrimsc-example-1.0' is not signed by any of the keys in 'trusted-public-keys': it has no signatures$/);
  });

  it('rejects a path signed only by keys that are not trusted, naming them', () => {
    const sig = signPathInfo(example, storeDir, otherKey);
    rejects({ ...example, sigs: [sig] }, trusted, /signed only by keys that are not trusted: 'other-1'$/);
  });

  it('rejects a path whose signature does not cover its info', () => {
    rejects({ ...example, narSize: example.narSize + 1 }, trusted, /the signature by trusted key 'test-1' does not verify/);
    rejects({ ...example, references: [example.path] }, trusted, /does not verify/);
  });

  it('marks a trusted key\'s signature that does not verify, or a false CA claim, as forged; a stranger\'s signature as not', () => {
    const forged = (info: ValidPathInfo): boolean | undefined => { const v = checkPathInfo(info, trusted); return v.ok ? undefined : v.forged ?? false; };
    assert.equal(forged({ ...example, narSize: example.narSize + 1 }), true);
    assert.equal(forged({ ...dep, path: new StorePath(dep.path.baseName.replace('dep.txt', 'dop.txt')), sigs: [] }), true);
    assert.equal(forged({ ...example, sigs: [signPathInfo(example, storeDir, otherKey)] }), false);
    assert.equal(forged({ ...example, sigs: [] }), false);
  });

  it('rejects a malformed signature with the reason', () => {
    rejects({ ...example, sigs: ['test-1:AAAA'] }, trusted, /signature 'test-1:AAAA' is corrupt: it has 3 bytes, expected 64/);
  });

  it('says when no key is trusted at all', () => {
    rejects(example, { ...trusted, trustedKeys: new Map() }, /'trusted-public-keys' is empty/);
  });

  it('accepts when one of several signatures verifies', () => {
    const sigs = ['test-1:AAAA', signPathInfo(example, storeDir, otherKey), ...example.sigs];
    assert.deepEqual(checkPathInfo({ ...example, sigs }, trusted), { ok: true, how: 'signed', keyName: 'test-1' });
    const both = { ...trusted, trustedKeys: new Map([...trusted.trustedKeys, ['other-1', toPublicKey(otherKey)]]) };
    assert.deepEqual(checkPathInfo({ ...example, sigs: [signPathInfo(example, storeDir, otherKey)] }, both), { ok: true, how: 'signed', keyName: 'other-1' });
  });

  it('rejects a path info for another path than the one asked for', () => {
    const v = checkPathInfo(example as NarInfo, trusted, { expectedPath: dep.path });
    assert.equal(v.ok, false);
    assert.match((v as { reason: string }).reason, /is for '.*example-1.0', not for the requested '.*dep.txt'/);
  });

  it('rejects a path info whose NAR size is unknown', () => {
    rejects({ ...example, narSize: 0 }, trusted, /cannot be verified: cannot calculate fingerprint/);
  });
});
