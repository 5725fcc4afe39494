/**
 * Evaluation errors in upstream's layout (libutil/error.cc `showErrorInfo`):
 *
 *     error:
 *            … while calling the 'abort' builtin
 *              at FILE:1:14:
 *                 1| if true then abort "this should fail" else 1
 *                  |              ^
 *                 2|
 *
 *            error: evaluation aborted with the following error message: 'this should fail'
 *
 * Traces are printed outermost first; without --show-trace only the first few (a trace with
 * a position counts twice) plus those marked "always"; repeated frames are folded into
 * "(N duplicate frames omitted)" exactly as upstream does (including its never-cleared set
 * of seen frames, which the mutual-recursion test depends on).
 */

import { filterForTerminal, renderAt } from '../diagnostic.ts';
import type { Pos } from '../source.ts';
import type { EvalError, Trace } from './errors.ts';
import { showSuggestions } from './suggestions.ts';

function traceKey(t: Trace): string {
  if (t.pos === undefined) return `-\0${t.msg}`;
  const { line, column } = t.pos.source.lineCol(t.pos.offset);
  return `${t.pos.source.displayName}\0${line}\0${column}\0${t.msg}`;
}

function posText(indent: string, pos: Pos | undefined): string {
  return pos === undefined ? '' : indent + renderAt(pos);
}

/** The full text for stderr, ending with a newline. */
export function renderEvalError(e: EvalError, showTrace: boolean, level = 'error'): string {
  const prefix = `${level}: `;
  let out = '';
  const traces = e.traces;
  if (traces.length > 0) {
    const seen = new Set<string>();
    let skipped: Trace[] = [];
    let count = 0;
    let truncate = false;
    const printTrace = (t: Trace): void => {
      out += `\n\xe2\x80\xa6 ${t.msg}\n`;
      if (t.pos !== undefined) {
        out += posText('  ', t.pos);
        count++;
      }
    };
    const flushSkipped = (): void => {
      if (skipped.length > 0) {
        if (skipped.length <= 5) for (const t of skipped) printTrace(t);
        else out += `\n(${skipped.length} duplicate frames omitted)\n`;
      }
      skipped = [];
    };
    for (let i = traces.length - 1; i >= 0; i--) {
      const t = traces[i]!;
      if (t.msg === '') continue;
      if (!showTrace && count > 3) truncate = true;
      if (!truncate || t.always) {
        const key = traceKey(t);
        if (seen.has(key)) {
          skipped.push(t);
          continue;
        }
        seen.add(key);
        flushSkipped();
        count++;
        printTrace(t);
      }
    }
    flushSkipped();
    if (truncate) out += "\n(stack trace truncated; use '--show-trace' to show the full, detailed trace)\n";
    out += '\n' + prefix;
  }
  out += e.message + '\n';
  out += posText('', e.pos);
  if (e.suggestions.length > 0) out += `Did you mean ${showSuggestions(e.suggestions)}?\n`;
  return filterForTerminal(indent(prefix, ' '.repeat(prefix.length), chomp(out))) + '\n';
}

function chomp(s: string): string {
  return s.replace(/[ \n\r\t]+$/, '');
}

function indent(first: string, rest: string, s: string): string {
  return s
    .split('\n')
    .map((l, i) => chomp((i === 0 ? first : rest) + l))
    .join('\n');
}
