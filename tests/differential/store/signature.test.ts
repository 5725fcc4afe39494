/**
 * Keys, signatures and narinfo against Nix 2.8, both directions:
 * - a key from `nix-store --generate-binary-cache-key` signs in tix, and `nix store verify`
 *   accepts the narinfo carrying tix's signature (and refuses it without);
 * - a key tix generated is read by `nix key convert-secret-to-public` and `nix store sign`,
 *   and tix verifies the signature Nix made with it;
 * - narinfos written by `nix copy --to file://` (xz, zstd, none) parse, re-print byte for
 *   byte and pass tix's trust check.
 * Store objects are imported with `nix-store --import` (nothing is built).
 */

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseHash } from '../../../src/hash/hash.ts';
import {
  ED25519_SEED_BYTES,
  generateSecretKey,
  parseNarInfo,
  parsePublicKeys,
  parseSecretKey,
  printNarInfo,
  printPublicKey,
  printSecretKey,
  signPathInfo,
  StoreDir,
  toPublicKey,
  verifyDetached,
  fingerprintPathInfo,
} from '../../../src/store/index.ts';
import { checkPathInfo } from '../../../src/trust/index.ts';
import { exportStream } from '../../support/nix-export.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';

const storeDir = new StoreDir();
const PATH = '/nix/store/a0d4fxl1aqxkdv9g1q7p1ijp4jd1s2ss-program-2.0';
const DERIVER = '/nix/store/5y3hfz8c0d8fq3fjv8v0bn4x0slb1n5x-program-2.0.drv';

describe('signing keys and narinfo vs Nix 2.8', { skip: NIX_SKIP }, () => {
  if (NIX_SKIP) return;
  const nix = new NixSandbox();
  after(() => nix.dispose());
  const file = (name: string) => join(nix.root, name);

  // A content-addressed source and an input-addressed path referring to it and to itself.
  writeFileSync(file('lib.txt'), 'library\n');
  const lib = nix.ok('nix-store', ['--add', file('lib.txt')]).trim();
  nix.ok('nix-store', ['--import'], { input: exportStream([{ path: PATH, contents: `#!${lib}\n${PATH}\n`, executable: true, references: [lib, PATH], deriver: DERIVER }]) });
  nix.ok('nix-store', ['--generate-binary-cache-key', 'nix-1', file('nix-1.sec'), file('nix-1.pub')]);
  const nixPub = readFileSync(file('nix-1.pub'), 'utf8');

  const copy = (cache: string, params = '') => {
    nix.ok('nix', ['copy', '--to', `file://${file(cache)}${params}`, PATH]);
    return readdirSync(file(cache)).filter((f) => f.endsWith('.narinfo')).map((f) => join(file(cache), f));
  };
  const verifyInNix = (cache: string, pub: string) => nix.run('nix', ['store', 'verify', '--store', `file://${file(cache)}`, '--trusted-public-keys', pub, PATH]);

  it("reads Nix's key files and derives the same public key", () => {
    const sk = parseSecretKey(readFileSync(file('nix-1.sec'), 'utf8'), 'nix-1.sec');
    assert.equal(printSecretKey(sk), readFileSync(file('nix-1.sec'), 'utf8'));
    assert.equal(printPublicKey(toPublicKey(sk)), nixPub);
  });

  it("signs with Nix's key in tix, and Nix accepts the signature", () => {
    const [narinfoFile] = copy('unsigned').filter((f) => f.includes(PATH.slice(11, 43)));
    const info = parseNarInfo(readFileSync(narinfoFile!), { whence: narinfoFile });
    assert.equal(info.sigs.length, 0);
    assert.notEqual(verifyInNix('unsigned', nixPub).status, 0, 'Nix must refuse the unsigned path, or the next check proves nothing');

    const sig = signPathInfo(info, storeDir, parseSecretKey(readFileSync(file('nix-1.sec'), 'utf8')));
    writeFileSync(narinfoFile!, printNarInfo({ ...info, sigs: [sig] }));
    const r = verifyInNix('unsigned', nixPub);
    assert.equal(r.status, 0, r.stderr);

    // ed25519 is deterministic: Nix's own signature with the same key is the same string.
    nix.ok('nix', ['store', 'sign', '--key-file', file('nix-1.sec'), PATH]);
    const nixSigs = (JSON.parse(nix.ok('nix', ['path-info', '--json', PATH]))[0].signatures ?? []) as string[];
    assert.deepEqual(nixSigs, [sig]);
  });

  it('gives Nix a key made by tix, and verifies the signature Nix makes with it', () => {
    const sk = generateSecretKey('tix-1', randomBytes(ED25519_SEED_BYTES));
    writeFileSync(file('tix-1.sec'), printSecretKey(sk));
    assert.equal(nix.ok('nix', ['key', 'convert-secret-to-public'], { input: printSecretKey(sk) }), printPublicKey(toPublicKey(sk)));

    nix.ok('nix', ['store', 'sign', '--key-file', file('tix-1.sec'), PATH]);
    const [pi] = JSON.parse(nix.ok('nix', ['path-info', '--json', PATH])) as { narHash: string; narSize: number; references: string[]; signatures: string[] }[];
    const info = { path: storeDir.parsePath(PATH), narHash: parseHash(pi!.narHash), narSize: pi!.narSize, references: pi!.references.map((r) => storeDir.parsePath(r)) };
    const sig = pi!.signatures.find((s) => s.startsWith('tix-1:'));
    assert.ok(sig, 'Nix signed with the tix key');
    const ring = new Map([['tix-1', toPublicKey(sk)]]);
    assert.deepEqual(verifyDetached(fingerprintPathInfo(info, storeDir), sig, ring), { status: 'valid', keyName: 'tix-1' });
    assert.equal(verifyDetached(fingerprintPathInfo({ ...info, narSize: info.narSize + 1 }, storeDir), sig, ring).status, 'invalid');
  });

  for (const compression of ['xz', 'zstd', 'none']) {
    it(`parses, re-prints and trusts the narinfos of nix copy --to file://?compression=${compression}`, () => {
      const files = copy(`cache-${compression}`, `?compression=${compression}`);
      assert.equal(files.length, 2);
      const policy = { trustedKeys: parsePublicKeys(nixPub), requireSigs: true, storeDir };
      const hows: string[] = [];
      for (const f of files) {
        const text = readFileSync(f, 'utf8');
        const info = parseNarInfo(text, { whence: f });
        assert.equal(printNarInfo(info), text);
        assert.equal(info.compression, compression);
        const v = checkPathInfo(info, policy);
        assert.ok(v.ok, JSON.stringify(v));
        hows.push(v.how);
        // Nobody else's key vouches for it (the CA source still needs none).
        const other = checkPathInfo(info, { ...policy, trustedKeys: new Map() });
        assert.equal(other.ok, info.ca !== undefined);
      }
      assert.deepEqual(hows.sort(), ['content-addressed', 'signed']);
    });
  }

  it('trusts unsigned text paths with references by their CA, as Nix does', () => {
    // Instantiating (not --eval, which is read-only) writes builtins.toFile texts to the store.
    nix.ok('nix-instantiate', ['--expr', 'derivation { name = "x"; system = "s"; builder = builtins.toFile "ref.txt" "see ${builtins.toFile "note.txt" "a note"}"; }']);
    const path = `/nix/store/${readdirSync(join(nix.root, 'nix', 'store')).find((f) => f.endsWith('-ref.txt'))}`;
    nix.ok('nix', ['copy', '--to', `file://${file('cache-text')}`, path]);
    const narinfo = readFileSync(join(file('cache-text'), `${path.slice(11, 43)}.narinfo`), 'utf8');
    const info = parseNarInfo(narinfo);
    assert.equal(info.ca?.method, 'text');
    assert.equal(info.references.length, 1);
    assert.equal(info.sigs.length, 0);
    assert.deepEqual(checkPathInfo(info, { trustedKeys: new Map(), requireSigs: true, storeDir }), { ok: true, how: 'content-addressed' });
  });
});
