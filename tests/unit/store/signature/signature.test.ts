import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import nacl from 'tweetnacl';
import {
  ed25519Sign,
  ed25519Verify,
  fingerprintPathInfo,
  generateSecretKey,
  keyPairFromSeed,
  parseNarInfo,
  parsePublicKey,
  parsePublicKeys,
  parseSecretKey,
  printPublicKey,
  printSecretKey,
  signDetached,
  signPathInfo,
  StoreDir,
  toPublicKey,
  verifyDetached,
} from '../../../../src/store/index.ts';
import { exampleNarinfo, testPublicKey, testSecretKey } from '../../../support/narinfo-fixtures.ts';

const storeDir = new StoreDir();
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('ed25519', () => {
  // RFC 8032 §7.1, tests 1 and 2.
  const vectors = [
    {
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      msg: '',
      sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      msg: '72',
      sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
  ];
  for (const [i, v] of vectors.entries()) {
    it(`matches RFC 8032 test ${i + 1}`, () => {
      const kp = keyPairFromSeed(hex(v.seed));
      assert.deepEqual(kp.publicKey, hex(v.pub));
      assert.deepEqual(ed25519Sign(kp.secretKey, hex(v.msg)), hex(v.sig));
      assert.ok(ed25519Verify(kp.publicKey, hex(v.msg), hex(v.sig)));
    });
  }

  it('signs exactly as tweetnacl does and each verifies the other', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (seed, msg) => {
        const kp = keyPairFromSeed(seed);
        const ours = ed25519Sign(kp.secretKey, msg);
        assert.deepEqual(ours, nacl.sign.detached(msg, kp.secretKey));
        assert.ok(nacl.sign.detached.verify(msg, ours, kp.publicKey));
        assert.ok(ed25519Verify(kp.publicKey, msg, ours));
      }),
      { numRuns: 20 },
    );
  });

  it('rejects a signature of other data, a flipped bit and a short signature', () => {
    const kp = keyPairFromSeed(new Uint8Array(32));
    const sig = ed25519Sign(kp.secretKey, Buffer.from('x'));
    assert.ok(!ed25519Verify(kp.publicKey, Buffer.from('y'), sig));
    const flipped = sig.slice();
    flipped[10]! ^= 1;
    assert.ok(!ed25519Verify(kp.publicKey, Buffer.from('x'), flipped));
    assert.ok(!ed25519Verify(kp.publicKey, Buffer.from('x'), sig.subarray(0, 63)));
  });
});

describe('key files', () => {
  it('reads the keys nix-store --generate-binary-cache-key wrote and prints them back', () => {
    const sk = parseSecretKey(testSecretKey);
    const pk = parsePublicKey(testPublicKey);
    assert.equal(sk.name, 'test-1');
    assert.equal(printSecretKey(sk), testSecretKey);
    assert.equal(printPublicKey(pk), testPublicKey);
    assert.equal(printPublicKey(toPublicKey(sk)), testPublicKey);
  });

  it('trims surrounding whitespace, as a key file may end in a newline', () => {
    assert.equal(printSecretKey(parseSecretKey(`  ${testSecretKey}\n`)), testSecretKey);
  });

  it('generates a key from a seed, printed as name:base64 of seed and public key', () => {
    const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const sk = generateSecretKey('cache.example.org-1', seed);
    assert.equal(printSecretKey(sk), `cache.example.org-1:${b64(hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))}`);
    assert.equal(printPublicKey(toPublicKey(sk)), `cache.example.org-1:${b64(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))}`);
  });

  it('refuses a key name that cannot be written in a key list', () => {
    for (const name of ['', 'a:b', 'a b']) assert.throws(() => generateSecretKey(name, new Uint8Array(32)), { code: 'E_KEY_NAME' });
  });

  const sk = parseSecretKey(testSecretKey);
  const skData = sk.key;
  const other = keyPairFromSeed(new Uint8Array(32).fill(7));
  const secretCases = [
    { name: 'no colon', text: b64(skData), re: /expected '<name>:<base64>'/ },
    { name: 'an empty name', text: `:${b64(skData)}`, re: /the key name is empty/ },
    { name: 'bad base64', text: 'k:not*base64', re: /not valid base64/ },
    { name: 'missing base64 padding', text: `k:${b64(skData).replace(/=+$/, '')}`, re: /not valid base64/ },
    { name: 'empty key data', text: 'k:', re: /the key is empty/ },
    { name: 'a public key', text: testPublicKey, re: /has 32 bytes, expected 64/ },
    { name: 'a public half from another seed', text: `k:${b64(new Uint8Array([...skData.subarray(0, 32), ...other.publicKey]))}`, re: /public half does not belong to its seed/ },
  ];
  for (const c of secretCases) {
    it(`rejects a secret key with ${c.name}`, () => {
      assert.throws(() => parseSecretKey(c.text, 'key.sec'), (e: unknown) => {
        assert.equal((e as { code: string }).code, 'E_KEY_FORMAT');
        assert.equal((e as { whence: string }).whence, 'key.sec');
        assert.match((e as Error).message, c.re);
        return true;
      });
    });
  }
  const publicCases = [
    { name: 'no colon', text: 'abc', re: /expected '<name>:<base64>'/ },
    { name: 'an empty name', text: testPublicKey.replace('test-1', ''), re: /the key name is empty/ },
    { name: 'a secret key', text: testSecretKey, re: /has 64 bytes, expected 32/ },
    { name: 'bad base64', text: 'k:@@@@', re: /not valid base64/ },
  ];
  for (const c of publicCases) {
    it(`rejects a public key with ${c.name}`, () => assert.throws(() => parsePublicKey(c.text), { code: 'E_KEY_FORMAT', message: c.re }));
  }

  it('reads a whitespace-separated key list, the first key of a name winning', () => {
    const second = printPublicKey({ name: 'test-1', key: other.publicKey });
    const ring = parsePublicKeys(`\n ${testPublicKey}\t${second}  other-1:${b64(other.publicKey)} `);
    assert.deepEqual([...ring.keys()], ['test-1', 'other-1']);
    assert.equal(printPublicKey(ring.get('test-1')!), testPublicKey);
  });
});

describe('fingerprintPathInfo() and signatures', () => {
  const info = parseNarInfo(exampleNarinfo);
  const fingerprint =
    '1;/nix/store/f9bimffc00zxvywpsghnr2w6ibrrimsc-example-1.0;sha256:010w72s7hn26k23bcz2zh0ghfybm0zr2ksa5qqpg9vsglabghbrl;240;' +
    '/nix/store/f9bimffc00zxvywpsghnr2w6ibrrimsc-example-1.0,/nix/store/kj70h0d215p6js7as927nisxg6wrshb1-dep.txt';

  it('is 1;path;narHash;narSize;sorted absolute references', () => {
    assert.equal(fingerprintPathInfo(info, storeDir), fingerprint);
    assert.equal(fingerprintPathInfo({ ...info, references: [...info.references].reverse() }, storeDir), fingerprint);
  });

  it('refuses a path info whose NAR size is unknown', () => {
    assert.throws(() => fingerprintPathInfo({ ...info, narSize: 0 }, storeDir), { code: 'E_FINGERPRINT' });
  });

  it('verifies the signature Nix made', () => {
    assert.deepEqual(verifyDetached(fingerprint, info.sigs[0]!, parsePublicKeys(testPublicKey)), { status: 'valid', keyName: 'test-1' });
  });

  it('makes the same signature as Nix with the same key (ed25519 is deterministic)', () => {
    assert.equal(signPathInfo(info, storeDir, parseSecretKey(testSecretKey)), info.sigs[0]);
  });

  const ring = parsePublicKeys(testPublicKey);
  const sig = info.sigs[0]!;
  const cases = [
    { name: 'a signature by an unknown key', sig: sig.replace('test-1:', 'other-1:'), data: fingerprint, expected: { status: 'untrusted', keyName: 'other-1' } },
    { name: 'a signature of other data', sig, data: fingerprint.replace(';240;', ';241;'), expected: { status: 'invalid', keyName: 'test-1' } },
    { name: 'a signature without a key name', sig: sig.slice('test-1:'.length), data: fingerprint, re: /expected '<key name>:<base64>'/ },
    { name: 'an empty key name', sig: sig.slice('test-1'.length), data: fingerprint, re: /the key name is empty/ },
    { name: 'bad base64', sig: 'test-1:!!!!', data: fingerprint, re: /not valid base64/ },
    { name: 'a short signature', sig: `test-1:${b64(new Uint8Array(63))}`, data: fingerprint, re: /it has 63 bytes, expected 64/ },
  ];
  for (const c of cases) {
    it(`classifies ${c.name}`, () => {
      const r = verifyDetached(c.data, c.sig, ring);
      if (c.expected) assert.deepEqual(r, c.expected);
      else {
        assert.equal(r.status, 'malformed');
        assert.match((r as { reason: string }).reason, c.re!);
      }
    });
  }

  it('signs and verifies arbitrary data with a generated key', () => {
    const sk = generateSecretKey('k-1', new Uint8Array(32).fill(3));
    const s = signDetached(sk, 'hello');
    assert.deepEqual(verifyDetached('hello', s, new Map([['k-1', toPublicKey(sk)]])), { status: 'valid', keyName: 'k-1' });
  });
});
