/** Type predicates: `typeOf`, `isNull`, `isFunction`, `isInt`, `isFloat`, `isString`, `isBool`, `isPath`, `isAttrs`, `isList`. */

import { force, typeOf, type NixType, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

function is(name: string, t: NixType, doc: string): BuiltinSpec {
  return prim(name, 1, doc, (_pos, v: Value) => typeOf(force(v)) === t);
}

export const typeBuiltins: BuiltinSpec[] = [
  prim('__typeOf', 1, 'The type of a value as a string ("int", "set", "lambda"…).', (_pos, v: Value) => typeOf(force(v))),
  is('isNull', 'null', 'Whether the value is null.'),
  is('__isFunction', 'lambda', 'Whether the value is a function.'),
  is('__isInt', 'int', 'Whether the value is an integer.'),
  is('__isFloat', 'float', 'Whether the value is a float.'),
  is('__isString', 'string', 'Whether the value is a string.'),
  is('__isBool', 'bool', 'Whether the value is a Boolean.'),
  is('__isPath', 'path', 'Whether the value is a path.'),
  is('__isAttrs', 'set', 'Whether the value is an attribute set.'),
  is('__isList', 'list', 'Whether the value is a list.'),
];
