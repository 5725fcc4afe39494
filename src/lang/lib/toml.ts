/**
 * `builtins.fromTOML` (upstream primops/fromTOML.cc over toml11 v4, TOML 1.0.0): TOML
 * text (a UTF-8 byte string) to plain data.
 *
 * Dates and times are an error ("Dates and times are not supported") unless
 * `timestamps` is set (upstream's experimental feature `parse-toml-timestamps`); then each
 * becomes `{ _type = "timestamp"; value = "…"; }` with the value printed as upstream
 * normalises it: `T` delimiter, seconds always, fractions as 3, 6 or 9 digits, `Z` for a
 * zero offset. Strings and keys with NUL bytes are rejected as Nix rejects them.
 * Every error's message starts with Nix's `while parsing TOML: `.
 */

import { mkFloat, normInt, type PlainAttrs, type PlainValue } from './data.ts';
import { NixTomlError } from './toml/errors.ts';
import { TomlParser, TomlTable, type TomlValue } from './toml/parse.ts';

export { NixTomlError } from './toml/errors.ts';

export interface FromTomlOptions {
  /** Return dates and times as `{ _type = "timestamp"; value; }` instead of failing. */
  timestamps?: boolean;
}

function noNul(s: string): string {
  if (s.includes('\0')) {
    const shown = s.replaceAll('\0', '\xe2\x90\x80');
    throw new NixTomlError('E_TOML_NUL', `error: input string '${shown}' cannot be represented as Nix string because it contains null bytes`);
  }
  return s;
}

function convert(v: TomlValue, opts: FromTomlOptions): PlainValue {
  if (typeof v === 'string') return noNul(v);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return normInt(v);
  // Array.from, not .map: `.map` on a TableArray would build another TableArray.
  if (Array.isArray(v)) return Array.from(v, (x) => convert(x, opts));
  if (v instanceof TomlTable) {
    const out: PlainAttrs = new Map();
    for (const [k, x] of v.map) out.set(noNul(k), convert(x, opts));
    return out;
  }
  if ('float' in v) return mkFloat(v.float);
  if (!opts.timestamps) throw new NixTomlError('E_TOML_TIMESTAMP', 'Dates and times are not supported');
  return new Map<string, PlainValue>([
    ['_type', 'timestamp'],
    ['value', v.time],
  ]);
}

/** `builtins.fromTOML`. Throws `NixTomlError`. */
export function fromTOML(text: string, opts: FromTomlOptions = {}): PlainAttrs {
  return convert(new TomlParser(text).parse(), opts) as PlainAttrs;
}
