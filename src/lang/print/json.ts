/**
 * Values as JSON (upstream value-to-json.cc, serialised as nlohmann::json dumps): used by
 * `builtins.toJSON`, `nix-instantiate --eval --json` and derivations' `__structuredAttrs`.
 * Sets go through `__toString`/`outPath`; paths are copied to the store (except behind a
 * `__toString`); functions are an error; strings must be valid UTF-8.
 */

import { copyPathToStore, canonicalPath, peel } from '../eval/coerce.ts';
import { EvalError, NixTypeError } from '../eval/errors.ts';
import { determinePos } from '../eval/deep.ts';
import { tr } from '../eval/force.ts';
import { enter, leave } from '../eval/state.ts';
import type { Pos } from '../source.ts';
import { Attrs, NixFloat, NixPath, NixStr, Thunk, showType, type Value } from '../value/value.ts';
import { NixJsonError, jsonQuote } from '../lib/json.ts';
import { formatFloatJson } from '../lib/float-format.ts';

/** A JSON string literal as nlohmann dumps it; invalid UTF-8 is upstream's serialization error. */
export function jsonString(s: string): string {
  try {
    return jsonQuote(s);
  } catch (e) {
    if (e instanceof NixJsonError) throw new EvalError(e.message);
    throw e;
  }
}

/** Upstream `printValueAsJSON`. Context of strings is added to `ctx`. */
export function toJSON(v: Value, strict: boolean, pos: Pos | undefined, ctx: Set<string>, copyToStore = true): string {
  enter(pos);
  if (strict && v instanceof Thunk) v = v.force(pos);
  let out: string;
  if (typeof v === 'number' || typeof v === 'bigint') out = String(v);
  else if (typeof v === 'boolean') out = v ? 'true' : 'false';
  else if (typeof v === 'string') out = jsonString(v);
  else if (v === null) out = 'null';
  else if (v instanceof NixStr) {
    for (const c of v.ctx) ctx.add(c);
    out = jsonString(v.s);
  } else if (v instanceof NixPath) out = jsonString(copyToStore ? copyPathToStore(ctx, canonicalPath(v)) : canonicalPath(v));
  else if (v instanceof NixFloat) out = formatFloatJson(v.v);
  else if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length; i++) {
      try {
        parts.push(toJSON(v[i]!, strict, pos, ctx, copyToStore));
      } catch (e) {
        throw tr(e, pos, `while evaluating list element at index ${i}`);
      }
    }
    out = '[' + parts.join(',') + ']';
  } else if (v instanceof Attrs) {
    out = peel(pos, v, true, (p, cameThroughToString) => {
      // Quirk kept from upstream: a path returned by __toString is not copied to the store.
      if (!(p instanceof Attrs)) return toJSON(p, strict, pos, ctx, copyToStore && !cameThroughToString);
      const parts: string[] = [];
      for (let i = 0; i < p.size; i++) {
        const k = p.keys[i]!;
        try {
          parts.push(jsonString(k) + ':' + toJSON(p.vals[i]!, strict, p.shape.pos[i], ctx, copyToStore));
        } catch (e) {
          throw tr(e, p.shape.pos[i], `while evaluating attribute '${k}'`);
        }
      }
      return '{' + parts.join(',') + '}';
    });
  } else {
    throw new NixTypeError(`cannot convert ${showType(v)} to JSON`, determinePos(v, pos));
  }
  leave();
  return out;
}
