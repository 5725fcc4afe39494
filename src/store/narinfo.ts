/**
 * `.narinfo` files of binary caches: one `Key: value` line per field, every line ending in
 * a newline. Nix: `NarInfo` (nar-info.cc), doc/manual/source/protocols/binary-cache/narinfo.md.
 *
 *   StorePath: /nix/store/<hash>-<name>        required
 *   URL: nar/<filehash>.nar.xz                  required, opaque
 *   Compression: xz                             absent or empty means bzip2
 *   FileHash: sha256:<nix32>                    optional, hash of the compressed file
 *   FileSize: <bytes>                           optional
 *   NarHash: sha256:<nix32>                     required (any algo:hash or SRI form is read)
 *   NarSize: <bytes>                            required, not 0
 *   References: <base name> <base name> ...     space-separated, may be empty
 *   Deriver: <base name>.drv                    optional; `unknown-deriver` means none
 *   System: x86_64-linux                        optional; Nix 2.8 reads and writes it
 *   Sig: <key name>:<base64>                    repeatable
 *   CA: fixed:r:sha256:<nix32>                  optional content address
 *
 * Unknown fields are kept in order and printed after the known ones. The printer follows
 * Nix's order (above), writes `References:` even when empty and prints signatures sorted
 * and unique (Nix keeps them in a set), so a narinfo Nix wrote re-prints byte for byte.
 * Stricter than Nix: a known field may not repeat (Nix rejects only extra References and
 * CA lines), `: ` must follow the field name, and the compression must be one Nix knows.
 */

import { FormatError } from '../errors.ts';
import { type Hash, parseHashPrefixed } from '../hash/hash.ts';
import { type ContentAddress, parseContentAddress, printContentAddress } from './content-address.ts';
import { type ValidPathInfo, sortedReferences } from './path-info.ts';
import { DEFAULT_STORE_DIR, StoreDir } from './store-dir.ts';
import { StorePath } from './store-path.ts';

export interface NarInfo extends ValidPathInfo {
  /** Where the (compressed) NAR is, relative to the cache. */
  readonly url: string;
  /** `xz`, `zstd`, `bzip2`, `none`... */
  readonly compression: string;
  readonly fileHash?: Hash | undefined;
  readonly fileSize?: number | undefined;
  readonly system?: string | undefined;
  /** Fields this parser does not know, in file order. */
  readonly extra: readonly (readonly [string, string])[];
}

/** Compression names Nix accepts. Nix: `NIX_FOR_EACH_COMPRESSION_ALGO`. */
export const NARINFO_COMPRESSIONS = ['none', 'br', 'bzip2', 'compress', 'grzip', 'gzip', 'lrzip', 'lz4', 'lzip', 'lzma', 'lzop', 'xz', 'zstd'] as const;

/** A malformed narinfo: names the file (`whence`) and the 1-based line. */
export class NarInfoFormatError extends FormatError {
  override readonly name: string = 'NarInfoFormatError';
  /** 1-based line number, undefined for a problem with the file as a whole. */
  readonly line: number | undefined;
  /** The reason without the location. */
  readonly reason: string;

  constructor(code: string, reason: string, whence: string, line: number | undefined, offset: number | undefined) {
    // Nix's wording: "NAR info file '%s' is corrupt: %s at line %d".
    super(code, `NAR info file '${whence}' is corrupt: ${reason}${line === undefined ? '' : ` at line ${line}`}`, { whence, offset });
    this.line = line;
    this.reason = reason;
  }

  /** The message already holds the location. */
  render(): string {
    return `error: ${this.message}\n`;
  }
}

export interface ParseNarInfoOptions {
  /** What is being parsed (URL or file name), for messages. */
  readonly whence?: string;
  readonly storeDir?: StoreDir;
}

const KNOWN = new Set(['StorePath', 'URL', 'Compression', 'FileHash', 'FileSize', 'NarHash', 'NarSize', 'References', 'Deriver', 'System', 'Sig', 'CA']);
const DECIMAL = /^[0-9]+$/;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const DEFAULT_DIR = new StoreDir(DEFAULT_STORE_DIR);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Parse a narinfo from its bytes or text. */
export function parseNarInfo(input: Uint8Array | string, options: ParseNarInfoOptions = {}): NarInfo {
  const whence = options.whence ?? 'narinfo';
  const storeDir = options.storeDir ?? DEFAULT_DIR;
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8Strict.decode(input);
    } catch {
      throw new NarInfoFormatError('E_NARINFO_ENCODING', 'not valid UTF-8', whence, undefined, undefined);
    }
  }

  const info: Partial<Mutable<NarInfo>> = { sigs: [], references: [], extra: [] };
  const sigs: string[] = [];
  const extra: [string, string][] = [];
  const seen = new Set<string>();
  let line = 1;
  let pos = 0;
  const fail = (code: string, reason: string): never => {
    throw new NarInfoFormatError(code, reason, whence, line, pos);
  };
  const size = (field: string, value: string): number => {
    const n = Number(value);
    if (!DECIMAL.test(value) || !Number.isSafeInteger(n)) fail('E_NARINFO_NUMBER', `invalid ${field} '${value}'`);
    return n;
  };
  const hash = (field: string, value: string): Hash => {
    try {
      return parseHashPrefixed(value);
    } catch (e) {
      return fail('E_NARINFO_HASH', `bad hash in ${field}: ${(e as Error).message}`);
    }
  };
  const baseName = (field: string, value: string): StorePath => {
    try {
      return new StorePath(value);
    } catch (e) {
      return fail('E_NARINFO_STORE_PATH', `bad store path in ${field}: ${(e as Error).message}`);
    }
  };

  while (pos < text.length) {
    const eol = text.indexOf('\n', pos);
    if (eol < 0) fail('E_NARINFO_SYNTAX', "expecting '\\n'");
    const l = text.slice(pos, eol);
    const colon = l.indexOf(':');
    if (colon < 0) fail('E_NARINFO_SYNTAX', "expecting ':'");
    if (colon === 0) fail('E_NARINFO_SYNTAX', 'empty field name');
    if (l[colon + 1] !== ' ') fail('E_NARINFO_SYNTAX', "expecting ': ' after the field name");
    const name = l.slice(0, colon);
    const value = l.slice(colon + 2);

    if (KNOWN.has(name) && name !== 'Sig') {
      if (seen.has(name)) fail('E_NARINFO_DUPLICATE', `extra ${name}`);
      seen.add(name);
    }
    switch (name) {
      case 'StorePath': {
        const p = storeDir.tryParsePath(value);
        if (!p || storeDir.printPath(p) !== value) {
          let why = 'not a canonical path in the store';
          try {
            storeDir.parsePath(value);
          } catch (e) {
            why = (e as Error).message;
          }
          fail('E_NARINFO_STORE_PATH', `bad StorePath: ${why}`);
        }
        info.path = p!;
        break;
      }
      case 'URL':
        info.url = value;
        break;
      case 'Compression':
        if (value !== '' && !(NARINFO_COMPRESSIONS as readonly string[]).includes(value)) fail('E_NARINFO_COMPRESSION', `invalid Compression '${value}'`);
        info.compression = value === '' ? 'bzip2' : value;
        break;
      case 'FileHash':
        info.fileHash = hash(name, value);
        break;
      case 'FileSize':
        info.fileSize = size(name, value);
        break;
      case 'NarHash':
        info.narHash = hash(name, value);
        break;
      case 'NarSize':
        info.narSize = size(name, value);
        break;
      case 'References':
        info.references = value.split(' ').filter((r) => r !== '').map((r) => baseName(name, r));
        break;
      case 'Deriver':
        if (value !== 'unknown-deriver') info.deriver = baseName(name, value);
        break;
      case 'System':
        info.system = value;
        break;
      case 'Sig':
        if (value === '') fail('E_NARINFO_SIG', 'empty Sig');
        sigs.push(value);
        break;
      case 'CA':
        if (value !== '') {
          try {
            info.ca = parseContentAddress(value);
          } catch (e) {
            fail('E_NARINFO_CA', `bad CA: ${(e as Error).message}`);
          }
        }
        break;
      default:
        extra.push([name, value]);
    }
    pos = eol + 1;
    line++;
  }

  const missing = (reason: string): never => {
    throw new NarInfoFormatError('E_NARINFO_MISSING', reason, whence, undefined, undefined);
  };
  if (!info.path) missing('StorePath missing');
  if (!info.narHash) missing('NarHash missing');
  if (!info.url) missing('URL missing');
  if (!info.narSize) missing('NarSize missing or zero');
  return { ...(info as NarInfo), compression: info.compression ?? 'bzip2', sigs, extra };
}

/** The narinfo text, in Nix's field order. Nix: `NarInfo::to_string`. */
export function printNarInfo(info: NarInfo, storeDir: StoreDir = DEFAULT_DIR): string {
  let s = `StorePath: ${storeDir.printPath(info.path)}\n`;
  s += `URL: ${info.url}\n`;
  s += `Compression: ${info.compression === '' ? 'bzip2' : info.compression}\n`;
  if (info.fileHash) s += `FileHash: ${info.fileHash.toString('nix32', true)}\n`;
  if (info.fileSize !== undefined) s += `FileSize: ${info.fileSize}\n`;
  s += `NarHash: ${info.narHash.toString('nix32', true)}\n`;
  s += `NarSize: ${info.narSize}\n`;
  s += `References: ${sortedReferences(info.references).map((r) => r.baseName).join(' ')}\n`;
  if (info.deriver) s += `Deriver: ${info.deriver.baseName}\n`;
  if (info.system) s += `System: ${info.system}\n`;
  for (const sig of [...new Set(info.sigs)].sort()) s += `Sig: ${sig}\n`;
  if (info.ca) s += `CA: ${printContentAddress(info.ca as ContentAddress)}\n`;
  for (const [k, v] of info.extra) s += `${k}: ${v}\n`;
  return s;
}
