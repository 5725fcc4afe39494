/**
 * Rendering of language diagnostics in upstream Nix's layout (libutil/error.cc
 * `showErrorInfo` + `printCodeLines`, then the logger's `filterANSIEscapes`):
 *
 *     error: MESSAGE
 *            at FILE:LINE:COL:
 *                 2| previous line
 *                 3| the line
 *                  |     ^
 *                 4| next line
 *
 * Shared by syntax errors (syntax-error.ts) and the evaluator's errors, which add their
 * trace entries with `renderTraceEntry`.
 */

import type { Source } from './source.ts';

/** A position to show: a source and a byte offset in it. */
export interface DiagnosticPos {
  readonly source: Source;
  readonly offset: number;
}

/** `FILE:LINE:COL` as Nix prints a position. */
export function showPos(pos: DiagnosticPos): string {
  const { line, column } = pos.source.lineCol(pos.offset);
  return `${pos.source.displayName}:${line}:${column}`;
}

/** `at FILE:L:C:` followed by up to three lines of code and the caret (no trailing newline). */
export function renderAt(pos: DiagnosticPos): string {
  const { line, column } = pos.source.lineCol(pos.offset);
  let out = `at ${pos.source.displayName}:${line}:${column}:`;
  const src = pos.source;
  const n = src.lineCount;
  const num = (l: number) => String(l).padStart(5, ' ');
  if (line > 1 && line - 1 <= n) out += `\n ${num(line - 1)}| ${src.lineText(line - 1)}`;
  if (line <= n) {
    out += `\n ${num(line)}| ${src.lineText(line)}`;
    out += `\n      |${' '.repeat(column)}^`;
  }
  if (line + 1 <= n) out += `\n ${num(line + 1)}| ${src.lineText(line + 1)}`;
  return out + '\n';
}

/** One `… while evaluating X` trace entry as upstream prints it (before indentation). */
export function renderTraceEntry(message: string, pos: DiagnosticPos | undefined): string {
  let out = `\n… ${message}\n`;
  // Only the `at` line is indented; the code lines are not (upstream's printPosMaybe).
  if (pos) out += '  ' + renderAt(pos);
  return out;
}

/**
 * The whole message: `level: ` prefix, optional pre-rendered trace text (which upstream puts
 * first), the message, and its position. Every line is indented under the prefix and
 * right-trimmed; tabs are expanded and CRs dropped as Nix's logger does on a non-terminal.
 * Ends with a newline.
 */
export function renderDiagnostic(level: string, message: string, pos: DiagnosticPos | undefined, traces = ''): string {
  const prefix = `${level}: `;
  let body = traces ? traces + '\n' + prefix : '';
  body += message + '\n';
  if (pos) body += renderAt(pos);
  return filterForTerminal(indent(prefix, ' '.repeat(prefix.length), chomp(body))) + '\n';
}

function chomp(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c === 32 || c === 10 || c === 13 || c === 9) e--;
    else break;
  }
  return s.slice(0, e);
}

/** Upstream's `indent()`: first line after `first`, the others after `rest`, each chomped. */
function indent(first: string, rest: string, s: string): string {
  const lines = s.split('\n');
  return lines.map((l, i) => chomp((i === 0 ? first : rest) + l)).join('\n');
}

/**
 * `filterANSIEscapes(s, true)`: drop escape sequences and CRs, expand tabs to multiples of 8
 * counted over the whole text (upstream never resets the width at newlines). Bytes ≥ 0x80 are
 * decoded as UTF-8 only to count their display width (one column each here).
 */
export function filterForTerminal(s: string): string {
  if (!/[\t\r\x1b\x07]/.test(s)) return s;
  let t = '';
  let w = 0;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x1b) {
      i++;
      if (s[i] === '[') {
        i++;
        while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x3f) i++;
        while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) <= 0x2f) i++;
        if (i < s.length && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x7e) i++;
      } else if (i < s.length && s.charCodeAt(i) >= 0x40 && s.charCodeAt(i) <= 0x5f) i++;
    } else if (c === 9) {
      do {
        w++;
        t += ' ';
      } while (w % 8);
      i++;
    } else if (c === 13 || c === 7) {
      i++;
    } else {
      const bytes = c < 0x80 ? 1 : c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (c >= 0x20 && c !== 0x7f) w++;
      t += s.slice(i, i + bytes);
      i += bytes;
    }
  }
  return t;
}
