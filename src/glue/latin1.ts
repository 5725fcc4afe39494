/**
 * Strings inside the evaluator are latin1 byte strings (one char per byte, as Nix's
 * std::string); command-line text, the environment and Node's file names are UTF-8.
 * These convert between the two.
 */

/** UTF-8 text (command line, environment, a Node path) as the evaluator's latin1 byte string. */
export function latin1(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** An evaluator byte string back to UTF-8 text. */
export function utf8(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}
