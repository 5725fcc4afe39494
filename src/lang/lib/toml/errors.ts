/**
 * fromTOML errors in the layout of toml11 v4 (the TOML library upstream Nix uses), which
 * Nix prints after `while parsing TOML: `:
 *
 *   [error] toml::parse_dec_integer: too large integer: current max digits = 2^63
 *    --> fromTOML
 *      |
 *    1 | attr = 9223372036854775808
 *      |                           ^-- must be < 2^63
 *
 * A second location (for "already defined" errors) follows after `| ...`. Titles and
 * labels follow toml11 for the common errors (see toml.ts); the line and column are
 * always those of the offending token.
 */

import type { TixError } from '../../../errors.ts';

export interface Mark {
  /** Byte offset of the first byte underlined. */
  readonly pos: number;
  /** Bytes underlined (at least 1, at most the rest of the line). */
  readonly len: number;
  readonly label: string;
}

export class NixTomlError extends Error implements TixError {
  override readonly name: string = 'NixTomlError';
  /** E_TOML_SYNTAX, E_TOML_RANGE, E_TOML_DUPLICATE, E_TOML_TIMESTAMP or E_TOML_NUL. */
  readonly code: string;
  /** 1-based line of the (first) offending token, when the error has one. */
  readonly line: number | undefined;
  /** 1-based column (in bytes) of the (first) offending token, when the error has one. */
  readonly column: number | undefined;
  /** The message without Nix's `while parsing TOML: ` prefix. */
  readonly detail: string;

  constructor(code: string, detail: string, line?: number, column?: number) {
    super(`while parsing TOML: ${detail}`);
    this.code = code;
    this.detail = detail;
    this.line = line;
    this.column = column;
  }
}

function lineOf(src: string, pos: number): { line: number; start: number; end: number } {
  let line = 1;
  for (let k = src.indexOf('\n'); k >= 0 && k < pos; k = src.indexOf('\n', k + 1)) line++;
  const start = src.lastIndexOf('\n', pos - 1) + 1;
  let end = src.indexOf('\n', pos);
  if (end < 0) end = src.length;
  if (end > start && src[end - 1] === '\r') end--;
  return { line, start, end };
}

/** Show a line as toml11 does: printable ASCII and spaces as-is, other bytes escaped. */
function showLine(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += (c > 0x20 && c < 0x7f) || c === 0x20 ? ch : c < 0x20 || c === 0x7f ? `'\\x${c.toString(16).padStart(2, '0')}'` : ch;
  }
  return out;
}

/** Build the toml11-style error for `marks` in `src`. */
export function tomlError(code: string, src: string, title: string, marks: readonly Mark[], hints: readonly string[] = []): NixTomlError {
  const lines = marks.map((m) => lineOf(src, m.pos));
  const w = Math.max(...lines.map((l) => String(l.line).length));
  const pad = ' '.repeat(w + 1);
  let out = `[error] ${title}\n --> fromTOML\n${pad} |\n`;
  marks.forEach((m, i) => {
    const l = lines[i]!;
    if (i > 0) out += `${pad} | ...\n${pad} |\n`;
    const col = m.pos - l.start;
    const len = Math.max(1, Math.min(m.len, l.end - m.pos + 1));
    out += ` ${String(l.line).padStart(w)} | ${showLine(src.slice(l.start, l.end))}\n`;
    out += `${pad} | ${' '.repeat(col)}${'^'.repeat(len)}-- ${m.label}\n`;
  });
  for (const h of hints) out += `Hint: ${h}\n`;
  const first = lines[0];
  return new NixTomlError(code, out, first?.line, first === undefined ? undefined : marks[0]!.pos - first.start + 1);
}
