/** Serialisation builtins: `toJSON`, `toXML`, `fromJSON`, `fromTOML`. */

import { EvalError } from '../eval/errors.ts';
import { forceStringNoCtx } from '../eval/force.ts';
import { toJSON } from '../print/json.ts';
import { toXML } from '../print/xml.ts';
import { NixFloat, mkStr, type Value } from '../value/value.ts';
import { NixJsonError, fromJSON } from '../lib/json.ts';
import { NixTomlError, fromTOML } from '../lib/toml.ts';
import { S } from '../eval/state.ts';
import { isFloat, type PlainValue } from '../lib/data.ts';
import { AttrsBuilder } from '../value/attrs.ts';

/** Plain data from the lib parsers as evaluator values (iteratively: JSON nests deeply). */
export function fromPlain(root: PlainValue): Value {
  const conv = (p: PlainValue): Value => {
    if (p === null || typeof p === 'boolean' || typeof p === 'number' || typeof p === 'bigint' || typeof p === 'string') return p;
    if (Array.isArray(p)) return p.map(conv);
    if (p instanceof Map) {
      const b = new AttrsBuilder();
      for (const [k, x] of p) b.add(k, conv(x));
      return b.finish();
    }
    if (isFloat(p)) return new NixFloat(p.float);
    throw new Error('unexpected plain value');
  };
  return conv(root);
}
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
    const text = forceStringNoCtx(v, undefined, 'while evaluating the first argument passed to builtins.fromJSON');
    try {
      return fromPlain(fromJSON(text));
    } catch (e) {
      if (e instanceof NixJsonError) {
        // Upstream adds the trace to nlohmann's parse errors only, not to its own range/NUL checks.
        const err = new EvalError(e.message);
        throw e.message.startsWith('[json.exception') ? err.addTrace(undefined, 'while decoding a JSON string') : err;
      }
      throw e;
    }
  }),
  prim('fromTOML', 1, 'Parse a TOML string into a value.', (_pos, v: Value) => {
    const text = forceStringNoCtx(v, undefined, 'while evaluating the argument passed to builtins.fromTOML');
    try {
      return fromPlain(fromTOML(text, { timestamps: S().settings.experimentalFeatures.has('parse-toml-timestamps') }));
    } catch (e) {
      // The message already starts with Nix's "while parsing TOML: ". toml11's report ends
      // in a newline followed by a colour reset, so upstream's output keeps one more
      // (indented, empty) line; the reset survives chomping and is filtered when printed.
      if (e instanceof NixTomlError) throw new EvalError(e.message.endsWith('\n') ? `${e.message}\x1b[0m` : e.message);
      throw e;
    }
  }),
];
