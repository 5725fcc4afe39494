/** Serialisation builtins: `toJSON`, `toXML`, `fromJSON`, `fromTOML`. */

import { EvalError } from '../eval/errors.ts';
import { forceStringNoCtx } from '../eval/force.ts';
import { toJSON } from '../print/json.ts';
import { toXML } from '../print/xml.ts';
import { mkStr, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

export const serialiseBuiltins: BuiltinSpec[] = [
  prim('__toJSON', 1, 'The JSON text of a value (paths are copied to the store).', (_pos, v: Value) => {
    const ctx = new Set<string>();
    return mkStr(toJSON(v, true, undefined, ctx), ctx);
  }),
  prim('__toXML', 1, 'The XML text of a value, as nix-instantiate --xml prints it.', (_pos, v: Value) => {
    const ctx = new Set<string>();
    return mkStr(toXML(v, true, false, ctx), ctx);
  }),
  prim('__fromJSON', 1, 'Parse a JSON string into a value.', (_pos, v: Value) => {
    forceStringNoCtx(v, undefined, 'while evaluating the first argument passed to builtins.fromJSON');
    throw new EvalError('builtins.fromJSON is not implemented yet');
  }),
  prim('fromTOML', 1, 'Parse a TOML string into a value.', (_pos, v: Value) => {
    forceStringNoCtx(v, undefined, 'while evaluating the argument passed to builtins.fromTOML');
    throw new EvalError('builtins.fromTOML is not implemented yet');
  }),
];
