/**
 * Nix-language errors as Nix prints them (message, position, code frame, trace), for every
 * command that evaluates. Returns undefined for errors that are not the evaluator's.
 */

import { EvalError, HostError, NixSyntaxError, NixUsageError, renderEvalError } from '../lang/index.ts';

export function renderNixError(e: unknown, showTrace: boolean, usageHint = 'nix-instantiate'): string | undefined {
  if (e instanceof NixSyntaxError) return e.render();
  if (e instanceof NixUsageError) return renderEvalError(e, showTrace) + `Try '${usageHint} --help' for more information.\n`;
  if (e instanceof EvalError) return renderEvalError(e, showTrace);
  if (e instanceof HostError) return `error: ${e.message}\n`;
  return undefined;
}
