/** Arithmetic and comparison: `add`, `sub`, `mul`, `div`, `lessThan`, `bitAnd`/`bitOr`/`bitXor`, `ceil`, `floor`. */

import { lessThan } from '../eval/equal.ts';
import { EvalError } from '../eval/errors.ts';
import { forceFloat, forceInt } from '../eval/force.ts';
import { div, mul, sub } from '../eval/ops.ts';
import { formatFloatNix as formatFloat } from '../lib/float-format.ts';
import * as int from '../value/int.ts';
import { NixFloat, force, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

function add(_pos: unknown, a: Value, b: Value): Value {
  a = force(a);
  b = force(b);
  if (a instanceof NixFloat || b instanceof NixFloat) {
    return new NixFloat(forceFloat(a, undefined, 'while evaluating the first argument of the addition') + forceFloat(b, undefined, 'while evaluating the second argument of the addition'));
  }
  const i1 = forceInt(a, undefined, 'while evaluating the first argument of the addition');
  const i2 = forceInt(b, undefined, 'while evaluating the second argument of the addition');
  const r = int.add(i1, i2);
  if (r === undefined) throw new EvalError(`integer overflow in adding ${i1} + ${i2}`);
  return r;
}

function bit(name: string, op: (a: int.NixInt, b: int.NixInt) => int.NixInt): BuiltinSpec {
  return prim(`__${name}`, 2, `Bitwise ${name.slice(3).toUpperCase()} of two integers.`, (_pos, a: Value, b: Value) =>
    op(forceInt(a, undefined, `while evaluating the first argument passed to builtins.${name}`), forceInt(b, undefined, `while evaluating the second argument passed to builtins.${name}`)),
  );
}

const INT_MIN_F = -9223372036854775808;

/** Upstream's ceil/floor, including its two "Due to a bug (see …12899)" errors for large ints. */
function round(name: 'ceil' | 'floor', f: (x: number) => number): BuiltinSpec {
  return prim(`__${name}`, 1, `Round a number ${name === 'ceil' ? 'up' : 'down'} to an integer.`, (_pos, a: Value) => {
    const v = force(a);
    const x = forceFloat(v, undefined, `while evaluating the first argument passed to builtins.${name}`);
    const r = f(x);
    const isInt = typeof v === 'number' || typeof v === 'bigint';
    if (!(r >= INT_MIN_F && r < -INT_MIN_F)) {
      if (isInt) {
        throw new EvalError(
          `Due to a bug (see https://github.com/NixOS/nix/issues/12899) the NixInt argument ${v} caused undefined behavior in previous Nix versions.\n\tFuture Nix versions might implement the correct behavior.`,
        );
      }
      throw new EvalError(`NixFloat argument ${formatFloat(x)} is not in the range of NixInt`);
    }
    const res = Number.isSafeInteger(r) ? r : int.fromBig(BigInt(r))!;
    if (isInt && res !== v) {
      throw new EvalError(
        `Due to a bug (see https://github.com/NixOS/nix/issues/12899) a loss of precision occurred in previous Nix versions because the NixInt argument ${v} was rounded to ${res}.\n\tFuture Nix versions might implement the correct behavior.`,
      );
    }
    return res;
  });
}

export const arithBuiltins: BuiltinSpec[] = [
  prim('__add', 2, 'The sum of two numbers.', add),
  prim('__sub', 2, 'The difference of two numbers.', (_pos, a: Value, b: Value) => sub(a, b)),
  prim('__mul', 2, 'The product of two numbers.', (_pos, a: Value, b: Value) => mul(a, b)),
  prim('__div', 2, 'The quotient of two numbers (integer division for integers).', (_pos, a: Value, b: Value) => div(a, b)),
  prim('__lessThan', 2, 'Whether the first value sorts before the second (numbers, strings, paths, lists).', (_pos, a: Value, b: Value) => lessThan(force(a), force(b), undefined, '')),
  bit('bitAnd', int.bitAnd),
  bit('bitOr', int.bitOr),
  bit('bitXor', int.bitXor),
  round('ceil', Math.ceil),
  round('floor', Math.floor),
];
