/**
 * Builtins backed by the pure libraries of src/lang/lib: `match` and `split` (POSIX ERE with
 * libstdc++ semantics), `compareVersions`, `splitVersion`, `parseDrvName`.
 */

import { EvalError } from '../eval/errors.ts';
import { forceString, forceStringNoCtx } from '../eval/force.ts';
import { NixRegexError, compileRegex, type NixRegex } from '../lib/regex.ts';
import { compareVersions, parseDrvName, splitVersion } from '../lib/versions.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { strOf, type Value } from '../value/value.ts';
import { prim, type BuiltinSpec } from './registry.ts';

function regex(pattern: string): NixRegex {
  try {
    return compileRegex(pattern);
  } catch (e) {
    if (e instanceof NixRegexError) throw new EvalError(e.message);
    throw e;
  }
}

export const regexVersionBuiltins: BuiltinSpec[] = [
  prim('__match', 2, 'The capture groups when a POSIX extended regex matches the whole string, else null.', (_pos, re: Value, s: Value) => {
    const r = regex(forceStringNoCtx(re, undefined, 'while evaluating the first argument passed to builtins.match'));
    const str = strOf(forceString(s, undefined, 'while evaluating the second argument passed to builtins.match'));
    const m = r.match(str);
    return m === null ? null : m;
  }),
  prim('__split', 2, 'The string split by a regex: unmatched parts interleaved with lists of capture groups.', (_pos, re: Value, s: Value) => {
    const r = regex(forceStringNoCtx(re, undefined, 'while evaluating the first argument passed to builtins.split'));
    const sv = forceString(s, undefined, 'while evaluating the second argument passed to builtins.split');
    const parts = r.split(strOf(sv));
    // No match: the list holds the argument itself (context included), as upstream.
    if (parts.length === 1) return [sv];
    return parts as Value[];
  }),
  prim('__compareVersions', 2, 'Compare two version strings: -1, 0 or 1.', (_pos, a: Value, b: Value) =>
    compareVersions(
      forceStringNoCtx(a, undefined, 'while evaluating the first argument passed to builtins.compareVersions'),
      forceStringNoCtx(b, undefined, 'while evaluating the second argument passed to builtins.compareVersions'),
    ),
  ),
  prim('__splitVersion', 1, 'The components of a version string.', (_pos, a: Value) => splitVersion(forceStringNoCtx(a, undefined, 'while evaluating the first argument passed to builtins.splitVersion'))),
  prim('__parseDrvName', 1, 'Split a package name into { name, version }.', (_pos, a: Value) => {
    const d = parseDrvName(forceStringNoCtx(a, undefined, 'while evaluating the first argument passed to builtins.parseDrvName'));
    return new AttrsBuilder().add('name', d.name).add('version', d.version).finish();
  }),
];
