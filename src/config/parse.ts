/**
 * The nix.conf syntax, which tix.conf shares. Nix: `parseConfigFiles` in
 * `src/libutil/configuration.cc`. Grammar, one line at a time (there is no line
 * continuation in nix.conf: a line ends at `\n`, full stop):
 *
 *   line     = [ content ] [ "#" comment ]
 *   content  = name ws "=" [ ws value-token ... ]      a setting
 *            | "include" ws path                        a file that must exist
 *            | "!include" ws path                       a file that may be missing
 *
 * Tokens are separated by spaces, tabs and `\r`; `=` must be its own token (`a=b` is a
 * syntax error in Nix too); the value is the remaining tokens joined by one space. A
 * relative include path is resolved against the including file's directory.
 *
 * Pure: reading an included file is a callback the caller supplies.
 */

import { posix } from 'node:path';
import type { TixError } from '../errors.ts';

/** A malformed configuration file or setting, located by file and line. */
export class ConfigError extends SyntaxError implements TixError {
  override readonly name = 'ConfigError';
  readonly code: string;
  /** The file (or `--option`, `TIX_CONFIG`) the bad line came from. */
  readonly whence: string | undefined;
  /** 1-based line number, when the problem is on a line. */
  readonly line: number | undefined;

  constructor(code: string, message: string, where: { whence?: string; line?: number } = {}) {
    super(message);
    this.code = code;
    this.whence = where.whence;
    this.line = where.line;
  }
}

/** One `name = value` assignment with where it came from. */
export interface ConfigEntry {
  readonly name: string;
  readonly value: string;
  readonly whence: string;
  /** 1-based; 0 for settings that do not come from a file (`--option NAME VALUE`). */
  readonly line: number;
}

/** Reads an included file; returns undefined when it does not exist. */
export type ReadInclude = (path: string) => string | undefined;

/** Nested includes deeper than this are taken to be a cycle. */
export const MAX_INCLUDE_DEPTH = 32;

const SEPARATORS = /[ \t\r]+/;

/**
 * Parse configuration text into entries in file order, following includes.
 * `whence` names the text (a file path, or a label such as `TIX_CONFIG`); relative
 * includes are resolved against its directory, or against `baseDir` when given.
 */
export function parseConfig(text: string, whence: string, readInclude?: ReadInclude, baseDir?: string): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  parseInto(text, whence, baseDir ?? (whence.startsWith('/') ? posix.dirname(whence) : undefined), readInclude, 0, out);
  return out;
}

function parseInto(
  text: string,
  whence: string,
  dir: string | undefined,
  readInclude: ReadInclude | undefined,
  depth: number,
  out: ConfigEntry[],
): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const tokens = line.split(SEPARATORS).filter((t) => t !== '');
    if (tokens.length === 0) continue;
    const where = { whence, line: lineNo };
    const syntax = () => new ConfigError('E_CONFIG_SYNTAX', `syntax error in configuration line '${line.trim()}'`, where);
    if (tokens.length < 2) throw syntax();
    if (tokens[0] === 'include' || tokens[0] === '!include') {
      if (tokens.length !== 2) throw syntax();
      includeFile(tokens[1]!, tokens[0] === '!include', where, dir, readInclude, depth, out);
      continue;
    }
    if (tokens[1] !== '=') throw syntax();
    out.push({ name: tokens[0]!, value: tokens.slice(2).join(' '), whence, line: lineNo });
  }
}

function includeFile(
  target: string,
  ignoreMissing: boolean,
  where: { whence: string; line: number },
  dir: string | undefined,
  readInclude: ReadInclude | undefined,
  depth: number,
  out: ConfigEntry[],
): void {
  if (!target.startsWith('/') && dir === undefined) {
    throw new ConfigError('E_CONFIG_INCLUDE', `cannot resolve relative include '${target}' from ${where.whence}`, where);
  }
  const path = posix.resolve(dir ?? '/', target);
  if (depth + 1 > MAX_INCLUDE_DEPTH) {
    throw new ConfigError('E_CONFIG_INCLUDE', `include of '${path}' nests deeper than ${MAX_INCLUDE_DEPTH} files (an include cycle?)`, where);
  }
  const text = readInclude?.(path);
  if (text === undefined) {
    if (ignoreMissing) return;
    throw new ConfigError('E_CONFIG_INCLUDE', `file '${path}' included from '${where.whence}' not found`, where);
  }
  parseInto(text, path, posix.dirname(path), readInclude, depth + 1, out);
}
