/**
 * The parser contract every fuzz target checks: a parser given outside input returns a
 * value or throws its own tix error class with a stable `E_...` code and the location its
 * domain needs; anything else (a TypeError or RangeError from a bug, a plain Error, a
 * string) is a finding. Targets throw `ContractViolation` to report a broken property;
 * Jazzer.js then saves the input as a crash.
 */

import { isTixError } from '../../../src/errors.ts';

/** A broken fuzz property; the message says which and why. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

export function violation(message: string, cause?: unknown): never {
  throw new ContractViolation(message, cause === undefined ? undefined : { cause });
}

export interface ErrorContract {
  /** Error classes (by `name`) the parser may throw. */
  readonly names: readonly string[];
  /**
   * A location field every error must carry (`offset` for binary formats, `line` for text
   * files), within the input. Omit for inputs that are one token (keys, hashes).
   */
  readonly location?: 'offset' | 'line';
  /** Size of the input, in the unit of `location` (bytes, or lines), for the range check. */
  readonly extent?: number;
  /** Codes that describe the input as a whole and so may lack the location. */
  readonly wholeInputCodes?: readonly string[];
}

/** Checks that `e` is an allowed tix error; otherwise rethrows it wrapped as a violation. */
export function expectTixError(e: unknown, contract: ErrorContract): asserts e is Error & { code: string } {
  if (e instanceof ContractViolation) throw e;
  if (!isTixError(e)) violation(`threw a non-tix error: ${describe(e)}`, e);
  if (!contract.names.includes(e.name)) violation(`threw ${e.name} (${e.code}), expected one of ${contract.names.join(', ')}: ${e.message}`, e);
  if (typeof e.message !== 'string' || e.message === '') violation(`${e.name} ${e.code} has no message`, e);
  if (contract.location) {
    const at = (e as unknown as Record<string, unknown>)[contract.location];
    if (at === undefined) {
      if (!contract.wholeInputCodes?.includes(e.code)) violation(`${e.name} ${e.code} has no ${contract.location}: ${e.message}`, e);
    } else if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < (contract.location === 'line' ? 1 : 0)) {
      violation(`${e.name} ${e.code} has a bad ${contract.location} ${String(at)}: ${e.message}`, e);
    } else if (contract.extent !== undefined && at > contract.extent) {
      violation(`${e.name} ${e.code} ${contract.location} ${at} is past the end of the input (${contract.extent}): ${e.message}`, e);
    }
  }
}

/** Runs `parse`; returns its value, or undefined after checking the error it threw. */
export function parseOrReject<T>(parse: () => T, contract: ErrorContract): T | undefined {
  try {
    return parse();
  } catch (e) {
    expectTixError(e, contract);
    return undefined;
  }
}

/** Asserts two values print the same (for round trips), showing both when they differ. */
export function expectSame(what: string, a: string, b: string): void {
  if (a !== b) violation(`${what} differ:\n  first:  ${JSON.stringify(a).slice(0, 500)}\n  second: ${JSON.stringify(b).slice(0, 500)}`);
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return `${typeof e} ${String(e)}`;
}

/** Number of lines of a text, for `extent` of line-located errors (a final newline ends the last line). */
export function lineCount(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
