/**
 * `builtins.fromJSON` and the serialisation rules of `builtins.toJSON`, as upstream Nix
 * does them through nlohmann::json (libexpr/json-to-value.cc, value-to-json.cc).
 *
 * Parsing follows nlohmann's lexer and SAX parser closely enough that its error messages
 * come out the same, position and "last read" text included:
 *   [json.exception.parse_error.101] parse error at line 1, column 4: syntax error while
 *   parsing value - invalid literal; last read: 'tru'
 * Numbers: a literal without `.`/exponent is an int when it fits (`-0` is int 0); a
 * non-negative one above int64 but within uint64 is Nix's "unsigned json number … outside
 * of Nix integer range" error; beyond that it is parsed as a float; a float that overflows
 * is nlohmann's out_of_range.406. Strings must be valid UTF-8 without raw control
 * characters; `\u0000` is rejected by Nix (no NUL in Nix strings); a duplicate key keeps
 * the last value. Nesting depth is unlimited (an explicit stack, no recursion).
 *
 * Text in and out is a byte string (one JS char per byte) holding UTF-8.
 */

import type { TixError } from '../../errors.ts';
import { type NixInt, type PlainAttrs, type PlainValue, mkFloat, normInt } from './data.ts';
import { formatFloatJson } from './float-format.ts';

export class NixJsonError extends Error implements TixError {
  override readonly name: string = 'NixJsonError';
  /** E_JSON_SYNTAX, E_JSON_RANGE, E_JSON_NUL or E_JSON_UTF8 (toJSON). */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Upstream `forceNoNullByte`'s error, with NUL shown as U+2400 (UTF-8 bytes). */
export function nulByteError(s: string): NixJsonError {
  return new NixJsonError(
    'E_JSON_NUL',
    `input string '${s.replaceAll('\0', '\xe2\x90\x80')}' cannot be represented as Nix string because it contains null bytes`,
  );
}

// nlohmann token types, with the names its messages use.
const T_TRUE = 1, T_FALSE = 2, T_NULL = 3, T_STRING = 4, T_UNSIGNED = 5, T_INTEGER = 6, T_FLOAT = 7;
const T_BEGIN_ARRAY = 8, T_BEGIN_OBJECT = 9, T_END_ARRAY = 10, T_END_OBJECT = 11, T_NAME_SEP = 12, T_VALUE_SEP = 13;
const T_PARSE_ERROR = 14, T_EOI = 15, T_LITERAL_OR_VALUE = 16, T_UNINIT = 0;
const TOKEN_NAMES = [
  '<uninitialized>', 'true literal', 'false literal', 'null literal', 'string literal', 'number literal',
  'number literal', 'number literal', "'['", "'{'", "']'", "'}'", "':'", "','", '<parse error>', 'end of input',
  "'[', '{', or a literal",
];

const CONTROL_NAMES = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'HT', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI', 'DLE',
  'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US',
];
const SHORT_ESCAPE: Record<number, string> = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r' };

const EOF = -1;

/** nlohmann's lexer over a byte string: `get`/`unget` with its position bookkeeping. */
class Lexer {
  readonly #s: string;
  #i = 0; // chars consumed
  #cur = EOF;
  #eofHeld = false; // the last get() returned EOF and was not ungot (it counts a column)
  #tokStart = 0; // token_string = s[#tokStart, #i)
  errorMessage = '';
  strValue = '';
  numText = '';

  constructor(s: string) {
    this.#s = s;
  }

  #get(): number {
    if (this.#i < this.#s.length) {
      this.#cur = this.#s.charCodeAt(this.#i++);
      this.#eofHeld = false;
    } else {
      this.#cur = EOF;
      this.#eofHeld = true;
    }
    return this.#cur;
  }

  #unget(): void {
    if (this.#cur !== EOF) this.#i--;
    else this.#eofHeld = false;
  }

  /** `parse error at line L, column C` as nlohmann counts them. */
  position(): string {
    const s = this.#s;
    let lines = 0;
    for (let k = s.indexOf('\n'); k >= 0 && k < this.#i; k = s.indexOf('\n', k + 1)) lines++;
    const col = this.#i - (s.lastIndexOf('\n', this.#i - 1) + 1) + (this.#eofHeld ? 1 : 0);
    return `line ${lines + 1}, column ${col}`;
  }

  tokenString(): string {
    let out = '';
    for (const ch of this.#s.slice(this.#tokStart, this.#i)) {
      const c = ch.charCodeAt(0);
      out += c <= 0x1f ? `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>` : ch;
    }
    return out;
  }

  scan(): number {
    if (this.#i === 0 && !this.#eofHeld && !this.#skipBom()) {
      this.errorMessage = 'invalid BOM; must be 0xEF 0xBB 0xBF if given';
      return T_PARSE_ERROR;
    }
    let c: number;
    do c = this.#get();
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d);
    switch (c) {
      case 0x5b: return T_BEGIN_ARRAY;
      case 0x5d: return T_END_ARRAY;
      case 0x7b: return T_BEGIN_OBJECT;
      case 0x7d: return T_END_OBJECT;
      case 0x3a: return T_NAME_SEP;
      case 0x2c: return T_VALUE_SEP;
      case 0x74: return this.#literal('true', T_TRUE);
      case 0x66: return this.#literal('false', T_FALSE);
      case 0x6e: return this.#literal('null', T_NULL);
      case 0x22: return this.#string();
      case 0: case EOF: return T_EOI;
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
        this.errorMessage = 'invalid literal';
        return T_PARSE_ERROR;
    }
  }

  #skipBom(): boolean {
    if (this.#get() === 0xef) return this.#get() === 0xbb && this.#get() === 0xbf;
    this.#unget();
    return true;
  }

  #literal(text: string, tok: number): number {
    for (let k = 1; k < text.length; k++) {
      if (this.#get() !== text.charCodeAt(k)) {
        this.errorMessage = 'invalid literal';
        return T_PARSE_ERROR;
      }
    }
    return tok;
  }

  #reset(): void {
    this.#tokStart = this.#i - 1;
  }

  #hex4(): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.#get();
      const d = c >= 0x30 && c <= 0x39 ? c - 48 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  #fail(msg: string): number {
    this.errorMessage = `invalid string: ${msg}`;
    return T_PARSE_ERROR;
  }

  /** Accept `n` continuation bytes, the first within [lo, hi]. */
  #continuation(n: number, lo: number, hi: number): boolean {
    for (let k = 0; k < n; k++) {
      const c = this.#get();
      if (k === 0 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return false;
    }
    return true;
  }

  #string(): number {
    this.#reset();
    const s = this.#s;
    let out = '';
    for (;;) {
      // Copy a run of plain ASCII at once (the common case).
      const from = this.#i;
      let k = from;
      for (; k < s.length; k++) {
        const c = s.charCodeAt(k);
        if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80) break;
      }
      if (k > from) {
        out += s.slice(from, k);
        this.#i = k;
      }
      const c = this.#get();
      if (c === EOF) return this.#fail('missing closing quote');
      if (c === 0x22) {
        this.strValue = out;
        return T_STRING;
      }
      if (c === 0x5c) {
        const e = this.#get();
        switch (e) {
          case 0x22: out += '"'; break;
          case 0x5c: out += '\\'; break;
          case 0x2f: out += '/'; break;
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            const cp1 = this.#hex4();
            if (cp1 < 0) return this.#fail("'\\u' must be followed by 4 hex digits");
            let cp = cp1;
            if (cp1 >= 0xd800 && cp1 <= 0xdbff) {
              if (this.#get() !== 0x5c || this.#get() !== 0x75) return this.#fail('surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF');
              const cp2 = this.#hex4();
              if (cp2 < 0) return this.#fail("'\\u' must be followed by 4 hex digits");
              if (cp2 < 0xdc00 || cp2 > 0xdfff) return this.#fail('surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF');
              cp = ((cp1 - 0xd800) << 10) + (cp2 - 0xdc00) + 0x10000;
            } else if (cp1 >= 0xdc00 && cp1 <= 0xdfff) {
              return this.#fail('surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF');
            }
            out += utf8Of(cp);
            break;
          }
          default:
            return this.#fail('forbidden character after backslash');
        }
        continue;
      }
      if (c < 0x20) {
        const hex = c.toString(16).toUpperCase().padStart(4, '0');
        const short = SHORT_ESCAPE[c];
        return this.#fail(`control character U+${hex} (${CONTROL_NAMES[c]}) must be escaped to \\u${hex}${short ? ` or \\${short}` : ''}`);
      }
      // A multi-byte UTF-8 sequence, validated like nlohmann's lexer.
      const start = this.#i - 1;
      let ok: boolean;
      if (c >= 0xc2 && c <= 0xdf) ok = this.#continuation(1, 0x80, 0xbf);
      else if (c === 0xe0) ok = this.#continuation(2, 0xa0, 0xbf);
      else if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) ok = this.#continuation(2, 0x80, 0xbf);
      else if (c === 0xed) ok = this.#continuation(2, 0x80, 0x9f);
      else if (c === 0xf0) ok = this.#continuation(3, 0x90, 0xbf);
      else if (c >= 0xf1 && c <= 0xf3) ok = this.#continuation(3, 0x80, 0xbf);
      else if (c === 0xf4) ok = this.#continuation(3, 0x80, 0x8f);
      else ok = false;
      if (!ok) return this.#fail('ill-formed UTF-8 byte');
      out += s.slice(start, this.#i);
    }
  }

  #number(): number {
    this.#reset();
    const digit = (c: number): boolean => c >= 0x30 && c <= 0x39;
    let type = T_UNSIGNED;
    let c = this.#cur;
    const fail = (m: string): number => {
      this.errorMessage = m;
      return T_PARSE_ERROR;
    };
    if (c === 0x2d) {
      type = T_INTEGER;
      c = this.#get();
      if (!digit(c)) return fail("invalid number; expected digit after '-'");
    }
    if (c !== 0x30) while (digit((c = this.#get())));
    else c = this.#get();
    if (c === 0x2e) {
      type = T_FLOAT;
      if (!digit(this.#get())) return fail("invalid number; expected digit after '.'");
      while (digit((c = this.#get())));
    }
    if (c === 0x65 || c === 0x45) {
      type = T_FLOAT;
      c = this.#get();
      if (c === 0x2b || c === 0x2d) {
        if (!digit(this.#get())) return fail('invalid number; expected digit after exponent sign');
      } else if (!digit(c)) return fail("invalid number; expected '+', '-', or digit after exponent");
      while (digit(this.#get()));
    }
    this.#unget();
    this.numText = this.#s.slice(this.#tokStart, this.#i);
    // strtoull/strtoll overflow falls back to a float, like nlohmann.
    if (type === T_UNSIGNED && BigInt(this.numText) > 18446744073709551615n) type = T_FLOAT;
    if (type === T_INTEGER && BigInt(this.numText) < -(2n ** 63n)) type = T_FLOAT;
    return type;
  }
}

function utf8Of(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/** `builtins.fromJSON`: JSON text (a UTF-8 byte string) to plain data. */
export function fromJSON(text: string): PlainValue {
  const lx = new Lexer(text);
  let tok = lx.scan();
  const syntax = (expected: number, context: string): NixJsonError => {
    let msg = `syntax error while parsing ${context} - `;
    msg += tok === T_PARSE_ERROR ? `${lx.errorMessage}; last read: '${lx.tokenString()}'` : `unexpected ${TOKEN_NAMES[tok]}`;
    if (expected !== T_UNINIT) msg += `; expected ${TOKEN_NAMES[expected]}`;
    return new NixJsonError('E_JSON_SYNTAX', `[json.exception.parse_error.101] parse error at ${lx.position()}: ${msg}`);
  };
  const next = (): number => (tok = lx.scan());
  const key = (): string => {
    if (lx.strValue.includes('\0')) throw nulByteError(lx.strValue);
    return lx.strValue;
  };

  // Containers under construction; `keys` holds the pending key of each object.
  const stack: (PlainValue[] | PlainAttrs)[] = [];
  const keys: string[] = [];
  let result: PlainValue = null;
  const add = (v: PlainValue): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) result = v;
    else if (Array.isArray(top)) top.push(v);
    else top.set(keys[keys.length - 1]!, v);
  };
  const close = (): void => {
    const done = stack.pop()!;
    if (!Array.isArray(done)) keys.pop();
    add(done);
  };
  const openObjectKey = (): void => {
    if (tok !== T_STRING) throw syntax(T_STRING, 'object key');
    keys[keys.length - 1] = key();
    if (next() !== T_NAME_SEP) throw syntax(T_NAME_SEP, 'object separator');
    next();
  };

  let skipToState = false;
  for (;;) {
    if (!skipToState) {
      switch (tok) {
        case T_BEGIN_OBJECT:
          if (next() === T_END_OBJECT) {
            add(new Map());
            break;
          }
          stack.push(new Map());
          keys.push('');
          openObjectKey();
          continue;
        case T_BEGIN_ARRAY:
          if (next() === T_END_ARRAY) {
            add([]);
            break;
          }
          stack.push([]);
          continue;
        case T_FLOAT: {
          const x = Number(lx.numText);
          if (!Number.isFinite(x)) throw new NixJsonError('E_JSON_RANGE', `[json.exception.out_of_range.406] number overflow parsing '${lx.tokenString()}'`);
          add(mkFloat(x));
          break;
        }
        case T_UNSIGNED: {
          const n = BigInt(lx.numText);
          if (n > 2n ** 63n - 1n) throw new NixJsonError('E_JSON_RANGE', `unsigned json number ${n} outside of Nix integer range`);
          add(normInt(n));
          break;
        }
        case T_INTEGER:
          add(normInt(BigInt(lx.numText)) as NixInt);
          break;
        case T_TRUE:
          add(true);
          break;
        case T_FALSE:
          add(false);
          break;
        case T_NULL:
          add(null);
          break;
        case T_STRING:
          add(key());
          break;
        case T_PARSE_ERROR:
          throw syntax(T_UNINIT, 'value');
        default:
          throw syntax(T_LITERAL_OR_VALUE, 'value');
      }
    } else skipToState = false;
    const top = stack[stack.length - 1];
    if (top === undefined) break;
    if (Array.isArray(top)) {
      if (next() === T_VALUE_SEP) {
        next();
        continue;
      }
      if (tok !== T_END_ARRAY) throw syntax(T_END_ARRAY, 'array');
    } else {
      if (next() === T_VALUE_SEP) {
        next();
        openObjectKey();
        continue;
      }
      if (tok !== T_END_OBJECT) throw syntax(T_END_OBJECT, 'object');
    }
    close();
    skipToState = true;
  }
  if (next() !== T_EOI) throw syntax(T_EOI, 'value');
  return result;
}

/**
 * A byte string as a JSON string literal, as nlohmann's `dump` writes it (no ASCII
 * escaping; `\u00xx` for other control characters), or Nix's error when it is not
 * valid UTF-8.
 */
export function jsonQuote(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c < 0x80) continue;
    out += s.slice(runStart, i);
    if (c < 0x80) out += c === 0x22 ? '\\"' : c === 0x5c ? '\\\\' : SHORT_ESCAPE[c] ? `\\${SHORT_ESCAPE[c]}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else {
      const end = utf8SequenceEnd(s, i);
      out += s.slice(i, end);
      i = end - 1;
    }
    runStart = i + 1;
  }
  return `${out + s.slice(runStart)}"`;
}

/** End of the valid UTF-8 sequence starting at `i`, or Nix's (nlohmann's) error. */
function utf8SequenceEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 2;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 3;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else throw utf8Error(`invalid UTF-8 byte at index ${i}: 0x${hex2(c)}`);
  for (let k = 1; k <= n; k++) {
    if (i + k >= s.length) throw utf8Error(`incomplete UTF-8 string; last byte: 0x${hex2(s.charCodeAt(s.length - 1))}`);
    const b = s.charCodeAt(i + k);
    if (k === 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf) throw utf8Error(`invalid UTF-8 byte at index ${i + k}: 0x${hex2(b)}`);
  }
  return i + n + 1;
}

const hex2 = (c: number): string => c.toString(16).toUpperCase().padStart(2, '0');

function utf8Error(detail: string): NixJsonError {
  return new NixJsonError('E_JSON_UTF8', `JSON serialization error: [json.exception.type_error.316] ${detail}`);
}

/** An int as JSON. */
export function formatJsonInt(n: NixInt): string {
  return String(n);
}

/**
 * Plain data to JSON text as upstream `builtins.toJSON` writes it: no whitespace,
 * attribute names sorted bytewise, floats via `formatFloatJson`. (The evaluator walks its
 * own values, forcing and handling `__toString`/`outPath`; this is the same printing for
 * plain data, used by tests and by builtins on already-plain values.)
 */
export function toJSON(v: PlainValue): string {
  const parts: string[] = [];
  // An explicit stack: values, and ',' / ']' / '}' markers to emit.
  const work: (PlainValue | { mark: string })[] = [v];
  while (work.length > 0) {
    const x = work.pop()!;
    if (x !== null && typeof x === 'object' && 'mark' in x) {
      parts.push(x.mark);
      continue;
    }
    const val = x as PlainValue;
    if (val === null) parts.push('null');
    else if (typeof val === 'boolean') parts.push(val ? 'true' : 'false');
    else if (typeof val === 'number' || typeof val === 'bigint') parts.push(formatJsonInt(val));
    else if (typeof val === 'string') parts.push(jsonQuote(val));
    else if (Array.isArray(val)) {
      parts.push('[');
      work.push({ mark: ']' });
      for (let i = val.length - 1; i >= 0; i--) {
        work.push(val[i]!);
        if (i > 0) work.push({ mark: ',' });
      }
    } else if (val instanceof Map) {
      parts.push('{');
      work.push({ mark: '}' });
      const names = [...val.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (let i = names.length - 1; i >= 0; i--) {
        work.push(val.get(names[i]!)!);
        work.push({ mark: `${jsonQuote(names[i]!)}:` });
        if (i > 0) work.push({ mark: ',' });
      }
    } else parts.push(formatFloatJson(val.float));
  }
  return parts.join('');
}
