/** fast-check arbitraries for the store formats, shared by the round-trip property tests. */

import fc from 'fast-check';
import { HASH_ALGOS, HASH_SIZE, type HashAlgo } from '../../src/hash/algo.ts';
import { Hash } from '../../src/hash/hash.ts';
import type { ContentAddressMethod, Derivation, DerivationOutput, NarInfo } from '../../src/store/index.ts';
import { StorePath } from '../../src/store/index.ts';

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-._?=';

export const hashPart = fc.string({ unit: fc.constantFrom(...NIX32), minLength: 32, maxLength: 32 });

/** A valid store path name (not starting with '.', so no '.'/'..' rules apply). */
export const pathName = fc
  .tuple(fc.constantFrom(...NAME_CHARS.replace(/[.]/g, '')), fc.string({ unit: fc.constantFrom(...NAME_CHARS), maxLength: 30 }))
  .map(([a, b]) => a + b);

export const storePath = fc.tuple(hashPart, pathName).map(([h, n]) => new StorePath(`${h}-${n}`));
export const drvPath = fc.tuple(hashPart, pathName).map(([h, n]) => new StorePath(`${h}-${n}.drv`));

/** Any byte string (code units 0–255), biased towards the characters the ATerm escapes. */
export const byteString = fc.string({
  unit: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)) },
    { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', '\r', '\t') },
  ),
  maxLength: 40,
});

export const hashAlgo = fc.constantFrom(...HASH_ALGOS);
export const hash = (algo: fc.Arbitrary<HashAlgo> = hashAlgo): fc.Arbitrary<Hash> =>
  algo.chain((a) => fc.uint8Array({ minLength: HASH_SIZE[a], maxLength: HASH_SIZE[a] }).map((b) => new Hash(a, b)));
const fileMethod = fc.constantFrom<ContentAddressMethod>('flat', 'nar');

export const derivationOutput: fc.Arbitrary<DerivationOutput> = fc.oneof(
  storePath.map((path) => ({ type: 'inputAddressed' as const, path })),
  fc.tuple(fileMethod, hash()).map(([method, h]) => ({ type: 'caFixed' as const, method, hash: h })),
  hash(fc.constant('sha256')).map((h) => ({ type: 'caFixed' as const, method: 'text' as const, hash: h })),
  fc.tuple(fileMethod, hashAlgo).map(([method, hashAlgo]) => ({ type: 'caFloating' as const, method, hashAlgo })),
  fc.constant({ type: 'deferred' as const }),
  fc.tuple(fileMethod, hashAlgo).map(([method, hashAlgo]) => ({ type: 'impure' as const, method, hashAlgo })),
);

/**
 * Any derivation the printer can round-trip: output names, input output names and the
 * system are printed unescaped (as Nix does), so they avoid '"' and '\'.
 */
export const derivation: fc.Arbitrary<Derivation> = fc.record({
  name: pathName,
  outputs: fc.uniqueArray(fc.tuple(pathName, derivationOutput), { selector: (x) => x[0], maxLength: 4 }).map((xs) => new Map(xs)),
  inputDrvs: fc.uniqueArray(fc.record({ path: drvPath, outputs: fc.uniqueArray(pathName, { minLength: 1, maxLength: 3 }) }), {
    selector: (i) => i.path.baseName,
    maxLength: 4,
  }),
  inputSrcs: fc.uniqueArray(storePath, { selector: (p) => p.baseName, maxLength: 4 }),
  system: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789_-'), maxLength: 20 }),
  builder: byteString,
  args: fc.array(byteString, { maxLength: 5 }),
  env: fc.uniqueArray(fc.tuple(byteString, byteString), { selector: (x) => x[0], maxLength: 8 }).map((xs) => new Map(xs)),
});

/** A narinfo as Nix writes one (known fields only, at most one of each). */
export const narInfo: fc.Arbitrary<NarInfo> = fc
  .record({
    path: storePath,
    url: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789/._-'), minLength: 1, maxLength: 60 }),
    compression: fc.constantFrom('xz', 'zstd', 'bzip2', 'none', 'br'),
    fileHash: fc.option(hash(fc.constant('sha256')), { nil: undefined }),
    fileSize: fc.option(fc.nat(), { nil: undefined }),
    narHash: hash(fc.constant('sha256')),
    narSize: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    references: fc.uniqueArray(storePath, { selector: (p) => p.baseName, maxLength: 5 }),
    deriver: fc.option(drvPath, { nil: undefined }),
    sigs: fc.uniqueArray(fc.tuple(pathName, fc.uint8Array({ minLength: 64, maxLength: 64 })).map(([k, s]) => `${k}:${Buffer.from(s).toString('base64')}`), { maxLength: 3 }),
    ca: fc.option(
      fc.oneof(
        hash(fc.constant('sha256')).map((h) => ({ method: 'text' as const, hash: h })),
        fc.tuple(fileMethod, hash()).map(([method, h]) => ({ method, hash: h })),
      ),
      { nil: undefined },
    ),
    extra: fc.constant([] as [string, string][]),
  });
