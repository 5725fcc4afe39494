/**
 * Parse the ATerm form of a `.drv` file from its bytes. Nix: `parseDerivation`
 * (2.8 derivations.cc; upstream derivation/aterm.cc).
 *
 *   drv      = 'Derive(' list(output) ',' list(inputDrv) ',' list(path) ','
 *              str ',' str ',' list(str) ',' list(envVar) ')'
 *   output   = '(' str ',' str ',' str ',' str ')'      name, path, hashAlgo, hash
 *   inputDrv = '(' path ',' list(str) ')'
 *   envVar   = '(' str ',' str ')'
 *   list(x)  = '[' [x (',' x)*] ']'
 *   str      = '"' (any byte but '"' and '\' | '\' any byte)* '"'
 *              where '\n' '\r' '\t' are newline, CR, tab and '\c' is c otherwise
 *
 * Stricter than Nix where Nix's leniency only hides corruption: list items must be separated
 * by exactly one comma, nothing may follow the final ')', a name may not repeat in outputs,
 * input derivations, input sources, env or an input's output list (Nix keeps the first or
 * the last, inconsistently), and store paths must be canonical and inside the store dir.
 * Like upstream Nix, a fixed output's path must match its content address. Every error is a
 * `FormatError` with the byte offset where the problem is.
 */

import { FormatError } from '../../errors.ts';
import { type HashAlgo, parseHashAlgo } from '../../hash/algo.ts';
import { type Hash, parseHashUnprefixed } from '../../hash/hash.ts';
import { bytesToByteString } from '../../util/byte-string.ts';
import type { ContentAddressMethod } from '../content-address.ts';
import { DEFAULT_STORE_DIR, StoreDir } from '../store-dir.ts';
import { type StorePath, tryParseStorePathBaseName } from '../store-path.ts';
import { type Derivation, type DerivationInput, type DerivationOutput, fixedOutputPath } from './derivation.ts';

export interface ParseDerivationOptions {
  /** The derivation name (the `.drv` file name without hash part and `.drv`); see `derivationNameFromPath`. */
  readonly name: string;
  readonly storeDir?: StoreDir;
  /** What is being parsed (a file name), for messages. */
  readonly whence?: string;
}

const DEFAULT_DIR = new StoreDir(DEFAULT_STORE_DIR);

/** Parse `.drv` bytes. */
export function parseDerivation(bytes: Uint8Array, options: ParseDerivationOptions): Derivation {
  return parseDerivationText(bytesToByteString(bytes), options);
}

/** Parse a `.drv` held as a byte string (src/util/byte-string.ts); offsets are byte offsets. */
export function parseDerivationText(text: string, options: ParseDerivationOptions): Derivation {
  return new AtermParser(text, options).derivation();
}

const Q = 0x22; // "

class AtermParser {
  readonly s: string;
  i = 0;
  readonly name: string;
  readonly storeDir: StoreDir;
  readonly whence: string | undefined;

  constructor(s: string, options: ParseDerivationOptions) {
    this.s = s;
    this.name = options.name;
    this.storeDir = options.storeDir ?? DEFAULT_DIR;
    this.whence = options.whence;
  }

  fail(code: string, message: string, offset = this.i): never {
    throw new FormatError(code, message, { offset, whence: this.whence });
  }

  expect(token: string): void {
    if (!this.s.startsWith(token, this.i)) {
      const found = this.i >= this.s.length ? 'end of input' : `'${this.s.slice(this.i, this.i + token.length)}'`;
      this.fail('E_DRV_SYNTAX', `expected '${token}' in derivation, found ${found}`);
    }
    this.i += token.length;
  }

  /** Position of the next backslash at or after the last search, -1 if none is left, -2 if unknown. */
  nextBackslash = -2;

  /**
   * A quoted string with Nix's escapes, as a byte string. Searches with indexOf: the next
   * backslash is remembered, so the whole file is scanned for backslashes at most once.
   */
  str(): string {
    const s = this.s;
    const start = this.i;
    if (s.charCodeAt(start) !== Q) this.expect('"');
    let j = start + 1;
    let res = '';
    for (;;) {
      const q = s.indexOf('"', j);
      if (q < 0) this.fail('E_DRV_STRING', 'unterminated string in derivation', start);
      if (this.nextBackslash !== -1 && this.nextBackslash < j) this.nextBackslash = s.indexOf('\\', j);
      const b = this.nextBackslash;
      if (b < 0 || b > q) {
        this.i = q + 1;
        return res + s.slice(j, q);
      }
      if (b + 1 >= s.length) this.fail('E_DRV_STRING', 'unterminated string in derivation', start);
      const e = s[b + 1]!;
      res += s.slice(j, b) + (e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e);
      j = b + 2;
    }
  }

  /** `[item, item, ...]`, calling `item` with the offset of each. */
  list(item: (at: number) => void): void {
    this.expect('[');
    if (this.s.charCodeAt(this.i) === 0x5d /* ] */) {
      this.i++;
      return;
    }
    for (;;) {
      item(this.i);
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c /* , */) this.i++;
      else if (c === 0x5d) {
        this.i++;
        return;
      } else this.fail('E_DRV_SYNTAX', `expected ',' or ']' in derivation, found ${this.i >= this.s.length ? 'end of input' : `'${this.s[this.i]}'`}`);
    }
  }

  /** A store path in canonical form. */
  path(text: string, at: number, what: string): StorePath {
    // Fast path: `<dir>/<base name>` with nothing to canonicalise.
    const prefix = this.storeDir.dir + '/';
    if (text.startsWith(prefix) && text.indexOf('/', prefix.length) < 0) {
      const p = tryParseStorePathBaseName(text.slice(prefix.length));
      if (p) return p;
    }
    const p = this.storeDir.tryParsePath(text);
    if (!p) {
      let why = '';
      try {
        this.storeDir.parsePath(text);
      } catch (e) {
        why = `: ${(e as Error).message}`;
      }
      this.fail('E_DRV_PATH', `bad ${what} '${text}' in derivation${why}`, at);
    }
    if (this.storeDir.printPath(p) !== text) this.fail('E_DRV_PATH', `${what} '${text}' in derivation is not in canonical form`, at);
    return p;
  }

  derivation(): Derivation {
    if (this.s.startsWith('DrvWithVersion(', 0)) {
      this.fail('E_DRV_VERSION', 'derivation uses the versioned ATerm format (dynamic derivations), which tix does not support');
    }
    this.expect('Derive(');

    const outputs = new Map<string, DerivationOutput>();
    this.list((at) => {
      this.expect('(');
      const name = this.str();
      if (outputs.has(name)) this.fail('E_DRV_DUPLICATE', `duplicate output '${name}' in derivation`, at);
      outputs.set(name, this.output(name));
      this.expect(')');
    });

    this.expect(',');
    const inputDrvs: DerivationInput[] = [];
    const seenDrvs = new Set<string>();
    this.list((at) => {
      this.expect('(');
      const pathAt = this.i;
      const text = this.str();
      const path = this.path(text, pathAt, 'input derivation path');
      if (seenDrvs.has(text)) this.fail('E_DRV_DUPLICATE', `duplicate input derivation '${text}'`, at);
      seenDrvs.add(text);
      this.expect(',');
      const outs: string[] = [];
      this.list((oat) => {
        const o = this.str();
        if (outs.includes(o)) this.fail('E_DRV_DUPLICATE', `duplicate output '${o}' of input derivation '${text}'`, oat);
        outs.push(o);
      });
      if (outs.length === 0) this.fail('E_DRV_INPUT', `inputDrvs entry for '${text}' specifies no outputs`, at);
      this.expect(')');
      inputDrvs.push({ path, outputs: outs });
    });

    this.expect(',');
    const inputSrcs: StorePath[] = [];
    const seenSrcs = new Set<string>();
    this.list((at) => {
      const text = this.str();
      if (seenSrcs.has(text)) this.fail('E_DRV_DUPLICATE', `duplicate input source '${text}'`, at);
      seenSrcs.add(text);
      inputSrcs.push(this.path(text, at, 'input source'));
    });

    this.expect(',');
    const system = this.str();
    this.expect(',');
    const builder = this.str();
    this.expect(',');
    const args: string[] = [];
    this.list(() => args.push(this.str()));

    this.expect(',');
    const env = new Map<string, string>();
    this.list((at) => {
      this.expect('(');
      const k = this.str();
      if (env.has(k)) this.fail('E_DRV_DUPLICATE', `duplicate environment variable '${k}' in derivation`, at);
      this.expect(',');
      env.set(k, this.str());
      this.expect(')');
    });
    this.expect(')');
    if (this.i !== this.s.length) this.fail('E_DRV_TRAILING', 'unexpected data after the end of the derivation');

    return { name: this.name, outputs, inputDrvs, inputSrcs, system, builder, args, env };
  }

  /** `,"path","hashAlgo","hash"` of an output, interpreted as Nix's `parseDerivationOutput` does. */
  output(name: string): DerivationOutput {
    this.expect(',');
    const pathAt = this.i;
    const pathS = this.str();
    this.expect(',');
    const algoAt = this.i;
    const algoS = this.str();
    this.expect(',');
    const hashAt = this.i;
    const hashS = this.str();

    if (algoS === '') {
      if (hashS !== '') this.fail('E_DRV_OUTPUT', `output '${name}' has a hash but no hash algorithm`, hashAt);
      if (pathS === '') return { type: 'deferred' };
      return { type: 'inputAddressed', path: this.path(pathS, pathAt, 'output path') };
    }
    const { method, hashAlgo } = this.methodAlgo(algoS, algoAt);
    if (hashS === 'impure') {
      if (pathS !== '') this.fail('E_DRV_OUTPUT', 'impure derivation output should not specify output path', pathAt);
      return { type: 'impure', method, hashAlgo };
    }
    if (hashS === '') {
      if (pathS !== '') this.fail('E_DRV_OUTPUT', 'content-addressing derivation output should not specify output path', pathAt);
      return { type: 'caFloating', method, hashAlgo };
    }
    const path = this.path(pathS, pathAt, 'output path');
    let hash: Hash;
    try {
      hash = parseHashUnprefixed(hashS, hashAlgo);
    } catch (e) {
      this.fail('E_DRV_HASH', `bad hash of output '${name}': ${(e as Error).message}`, hashAt);
    }
    let expected: StorePath;
    try {
      expected = fixedOutputPath(this.storeDir, this.name, name, { method, hash });
    } catch (e) {
      this.fail('E_DRV_OUTPUT', `fixed output '${name}' has no valid path: ${(e as Error).message}`, algoAt);
    }
    if (!expected.equals(path)) {
      this.fail('E_DRV_OUTPUT', `derivation output '${name}' has path '${pathS}', which does not match its content address`, pathAt);
    }
    return { type: 'caFixed', method, hash };
  }

  /** `r:sha256`, `text:sha256`, `sha1`... Nix: `ContentAddressMethod::parsePrefix` + `parseHashAlgo`. */
  methodAlgo(s: string, at: number): { method: ContentAddressMethod; hashAlgo: HashAlgo } {
    let method: ContentAddressMethod = 'flat';
    let rest = s;
    if (s.startsWith('r:')) {
      method = 'nar';
      rest = s.slice(2);
    } else if (s.startsWith('text:')) {
      method = 'text';
      rest = s.slice(5);
    } else if (s.startsWith('git:')) {
      this.fail('E_DRV_OUTPUT', `git hashing ('${s}') is not supported`, at);
    }
    try {
      return { method, hashAlgo: parseHashAlgo(rest) };
    } catch (e) {
      this.fail('E_DRV_HASH_ALGO', `bad output hash algorithm '${s}': ${(e as Error).message}`, at);
    }
  }
}
