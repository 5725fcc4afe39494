/**
 * The evaluation error family (upstream eval-error.hh): one base class carrying a position,
 * upstream's trace list and suggestions, and subclasses whose *class* decides behaviour —
 * `builtins.tryEval` catches only `AssertionError` and its subclass `ThrownError` (from
 * `throw` and failed `assert`s), exactly like upstream.
 *
 * Traces are added on the way out (`addTrace`), innermost first; they are printed
 * outermost first by render-error.ts, in upstream's layout.
 */

import type { Pos } from '../source.ts';
import type { TixError } from '../../errors.ts';

export interface Trace {
  readonly pos: Pos | undefined;
  readonly msg: string;
  /** Printed even when the trace is truncated (upstream `TracePrint::Always`). */
  readonly always?: boolean;
}

export class EvalError extends Error implements TixError {
  override readonly name: string = 'EvalError';
  readonly code: string = 'E_EVAL';
  /** Where the error happened (upstream `ErrorInfo::pos`). */
  pos: Pos | undefined;
  /** Traces in the order they were added: innermost context first. */
  readonly traces: Trace[] = [];
  /** "Did you mean one of …" candidates, already ranked. */
  suggestions: readonly string[] = [];
  /** Exit status for the process (upstream `withExitStatus`). */
  status = 1;

  constructor(message: string, pos?: Pos) {
    super(message);
    this.pos = pos;
  }

  addTrace(pos: Pos | undefined, msg: string, always = false): this {
    this.traces.push({ pos, msg, always });
    return this;
  }

  atPos(pos: Pos | undefined): this {
    this.pos = pos;
    return this;
  }

  /** Set by a lambda's argument checks: the enclosing call adds no "while calling" trace for it. */
  skipCallTrace = false;

  /** A fresh instance with the same class, message, position, traces and suggestions. */
  clone(): this {
    const c = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(c, this);
    (c as { traces: Trace[] }).traces = [...this.traces];
    Object.defineProperty(c, 'message', { value: this.message, writable: true, configurable: true });
    Object.defineProperty(c, 'stack', { value: this.stack, writable: true, configurable: true });
    return c;
  }
}

/** Type errors: "expected a set but found a list: [ 1 2 ]". */
export class NixTypeError extends EvalError {
  override readonly name: string = 'NixTypeError';
  override readonly code: string = 'E_EVAL_TYPE';
}

/** Failed `assert`; caught by `tryEval`. */
export class AssertionError extends EvalError {
  override readonly name: string = 'AssertionError';
  override readonly code: string = 'E_EVAL_ASSERT';
}

/** `throw`; caught by `tryEval`. */
export class ThrownError extends AssertionError {
  override readonly name: string = 'ThrownError';
  override readonly code: string = 'E_EVAL_THROW';
}

/** `abort`; never caught. */
export class AbortError extends EvalError {
  override readonly name: string = 'AbortError';
  override readonly code: string = 'E_EVAL_ABORT';
}

export class UndefinedVarError extends EvalError {
  override readonly name: string = 'UndefinedVarError';
  override readonly code: string = 'E_EVAL_UNDEFINED_VAR';
}

export class MissingArgumentError extends EvalError {
  override readonly name: string = 'MissingArgumentError';
  override readonly code: string = 'E_EVAL_MISSING_ARG';
}

/** A thunk forced while it is being evaluated. */
export class InfiniteRecursionError extends EvalError {
  override readonly name: string = 'InfiniteRecursionError';
  override readonly code: string = 'E_EVAL_INFINITE_RECURSION';
  /** The blackholed thunk (identity only), to mark where the cycle was entered. */
  readonly thunk: object;
  marked = false;

  constructor(thunk: object, pos: Pos | undefined) {
    super('infinite recursion encountered', pos);
    this.thunk = thunk;
  }

  /** Called by the first force of the blackholed thunk as the error passes through it. */
  markEntry(): void {
    if (this.marked) return;
    this.marked = true;
    this.addTrace(undefined, 'entering the infinite recursion', true);
  }
}

/** More nested calls than `max-call-depth`, or the JS stack itself ran out. */
export class StackOverflowError extends EvalError {
  override readonly name: string = 'StackOverflowError';
  override readonly code: string = 'E_EVAL_STACK_OVERFLOW';
  constructor(pos?: Pos, message = 'stack overflow; max-call-depth exceeded') {
    super(message, pos);
  }
}

/**
 * A bad argument Nix reports as a usage error (e.g. an unknown hash algorithm): the command
 * adds "Try 'nix-instantiate --help' for more information." after it.
 */
export class NixUsageError extends EvalError {
  override readonly name: string = 'NixUsageError';
  override readonly code: string = 'E_EVAL_USAGE';
}

/** Errors from the world (files, store, fetchers) surfaced during evaluation. */
export class EvalIOError extends EvalError {
  override readonly name: string = 'EvalIOError';
  override readonly code: string = 'E_EVAL_IO';
}

/** Whether `builtins.tryEval` catches `e`. */
export function isCatchable(e: unknown): boolean {
  return e instanceof AssertionError;
}
