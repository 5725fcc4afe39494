/**
 * A store path's base name: `<32 nix32 chars>-<name>`. Like CppNix's `StorePath` it does
 * not know the store directory; `StoreDir` (store-dir.ts) parses and prints absolute paths.
 * Instances are only made by the validating constructor, so an invalid one cannot exist.
 */

import { InvalidValueError } from '../errors.ts';
import { decodeNix32, isNix32 } from '../hash/nix32.ts';

/** Characters of the hash part. */
export const HASH_PART_LEN = 32;
/** Bytes of the digest the hash part encodes. */
export const STORE_PATH_DIGEST_SIZE = 20;
/** Longest name Nix accepts (`StorePath::MaxPathLen`). */
export const MAX_NAME_LEN = 211;

export const DRV_EXTENSION = '.drv';

export class StorePathError extends InvalidValueError {
  override readonly name: string = 'StorePathError';
  constructor(message: string) {
    super('E_STORE_PATH', message);
  }
}

/** Why `name` is not a valid store path name, or undefined when it is. Nix: `checkName`. */
export function checkStorePathName(name: string): string | undefined {
  if (name.length === 0) return 'name must not be empty';
  if (name.length > MAX_NAME_LEN) return `name '${name}' must be no longer than ${MAX_NAME_LEN} characters`;
  if (name[0] === '.') {
    if (name.length === 1) return `name '${name}' is not valid`;
    if (name[1] === '-') return `name '${name}' is not valid: first dash-separated component must not be '.'`;
    if (name[1] === '.') {
      if (name.length === 2) return `name '${name}' is not valid`;
      if (name[2] === '-') return `name '${name}' is not valid: first dash-separated component must not be '..'`;
    }
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ||
      c === 43 /* + */ || c === 45 /* - */ || c === 46 /* . */ || c === 95 /* _ */ || c === 63 /* ? */ || c === 61; /* = */
    if (!ok) return `name '${name}' contains illegal character '${name[i]}'`;
  }
  return undefined;
}

/** Tells the constructor the hash part came from the nix32 encoder (module-private, so only fromHashPart can). */
const ENCODED = Symbol('encoded');

export class StorePath {
  /** The 32-character nix32 hash part. */
  readonly hashPart: string;
  /** The name after the dash. */
  readonly name: string;
  /** `<hashPart>-<name>`, kept rather than rebuilt on each use: it keys the evaluator's maps of derivations. */
  readonly baseName: string;

  /** Validate and wrap a base name `<hash>-<name>`. (`encoded` is for fromHashPart only.) */
  constructor(baseName: string, encoded?: typeof ENCODED) {
    if (baseName.length < HASH_PART_LEN + 1) throw new StorePathError(`'${baseName}' is too short to be a valid store path`);
    if (baseName[HASH_PART_LEN] !== '-') {
      throw new StorePathError(`'${baseName}' can't name a store path because the hash part is not followed by a '-'`);
    }
    const hashPart = baseName.slice(0, HASH_PART_LEN);
    if (encoded !== ENCODED && !isNix32(hashPart)) {
      const bad = [...hashPart].find((c) => !isNix32(c));
      throw new StorePathError(`store path '${baseName}' contains illegal base-32 character '${bad}'`);
    }
    const name = baseName.slice(HASH_PART_LEN + 1);
    const why = checkStorePathName(name);
    if (why) throw new StorePathError(`path '${baseName}' is not a valid store path: ${why}`);
    this.hashPart = hashPart;
    this.name = name;
    this.baseName = baseName;
  }

  /** Make a store path from a 20-byte digest's nix32 text and a name. */
  static fromParts(hashPart: string, name: string): StorePath {
    return new StorePath(`${hashPart}-${name}`);
  }

  /** A store path whose hash part was just encoded from a digest (makeStorePath): only the name needs checking. */
  static fromHashPart(hashPart: string, name: string): StorePath {
    return new StorePath(hashPart + '-' + name, hashPart.length === HASH_PART_LEN ? ENCODED : undefined);
  }

  /** The 20 digest bytes the hash part encodes. */
  get digest(): Uint8Array {
    return decodeNix32(this.hashPart, STORE_PATH_DIGEST_SIZE);
  }

  get isDerivation(): boolean {
    return this.name.endsWith(DRV_EXTENSION);
  }

  toString(): string {
    return this.baseName;
  }

  equals(other: StorePath): boolean {
    return this.hashPart === other.hashPart && this.name === other.name;
  }
}

/** `new StorePath` that returns undefined instead of throwing. */
export function tryParseStorePathBaseName(baseName: string): StorePath | undefined {
  try {
    return new StorePath(baseName);
  } catch {
    return undefined;
  }
}

/** Order of Nix's `StorePathSet`: by base name. */
export function compareStorePaths(a: StorePath, b: StorePath): number {
  const x = a.baseName;
  const y = b.baseName;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The name of output `output` of a derivation named `drvName`. Nix: `outputPathName`. */
export function outputPathName(drvName: string, output: string): string {
  return output === 'out' ? drvName : `${drvName}-${output}`;
}
