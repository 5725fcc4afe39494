/**
 * Upstream's `diagnose()` (nix/expr/diagnose.hh) for the parser's lint settings
 * `lint-absolute-path-literals`, `lint-short-path-literals` and `lint-url-literals`: each is
 * `ignore` (default), `warn` (a positioned warning, parsing goes on) or `fatal` (a syntax
 * error). The setting's name is appended to the message in parentheses.
 */

import { renderDiagnostic } from './diagnostic.ts';
import type { Source } from './source.ts';
import { NixSyntaxError } from './syntax-error.ts';

export type LintLevel = 'ignore' | 'warn' | 'fatal';

export interface LintSettings {
  readonly absolutePathLiterals?: LintLevel;
  readonly shortPathLiterals?: LintLevel;
  readonly urlLiterals?: LintLevel;
}

const SETTING_NAMES: Record<keyof LintSettings, string> = {
  absolutePathLiterals: 'lint-absolute-path-literals',
  shortPathLiterals: 'lint-short-path-literals',
  urlLiterals: 'lint-url-literals',
};

/** Parse a `Diagnose` setting value as upstream's config serialiser does. */
export function parseLintLevel(value: string): LintLevel | undefined {
  return value === 'ignore' || value === 'warn' || value === 'fatal' ? value : undefined;
}

/** The parts of the parser a lint needs (structural, so lint.ts and parser.ts don't import each other). */
interface LintContext {
  readonly source: Source;
  readonly options: { readonly lints?: LintSettings; readonly warn?: (message: string) => void };
}

/** Report lint `which` at byte offset `pos`; `message(fatal)` builds the text. */
export function diagnose(p: LintContext, which: keyof LintSettings, pos: number, message: (fatal: boolean) => string): void {
  const level = p.options.lints?.[which] ?? 'ignore';
  if (level === 'ignore') return;
  const text = `${message(level === 'fatal')} (${SETTING_NAMES[which]})`;
  if (level === 'fatal') throw new NixSyntaxError('E_NIX_LINT', text, p.source, pos);
  // `warn` prefixes "warning: " itself; hand it the positioned layout without that prefix.
  p.options.warn?.(renderDiagnostic('warning', text, { source: p.source, offset: pos }).slice('warning: '.length).replace(/\n$/, ''));
}
