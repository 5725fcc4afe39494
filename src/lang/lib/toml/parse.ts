/**
 * A TOML 1.0.0 parser producing an intermediate tree (tables that remember how they were
 * defined, so the redefinition rules can be enforced). Grammar (toml.io/en/v1.0.0):
 *
 *   document  := (ws (keyval | '[' key ']' | '[[' key ']]')? ws comment? newline)*
 *   keyval    := key ws '=' ws value
 *   key       := simple-key (ws '.' ws simple-key)*     simple-key := bare | "basic" | 'literal'
 *   value     := string | boolean | array | inline-table | date-time | float | integer
 *
 * Integers are int64 (overflow is an error, as upstream Nix's toml11 v4 does, unlike Nix
 * 2.8's saturation); `_` must sit between digits; no leading zeros. Floats include
 * `inf`/`nan` with a sign. Dates and times are validated and kept as text in the
 * normalised form upstream prints. Strings must be valid UTF-8 without raw control
 * characters (tab excepted).
 */

import { tomlError } from './errors.ts';

export type TomlValue = string | boolean | bigint | { float: number } | { time: string } | TomlValue[] | TomlTable;

/** A table; `how` records what created it, for TOML's "defined once" rules. */
export class TomlTable {
  readonly map = new Map<string, TomlValue>();
  /** Where each plain value's `key = value` was written, for "already exists" errors. */
  readonly defs = new Map<string, { pos: number; len: number }>();
  how: 'implicit' | 'header' | 'dotted' | 'inline';
  /** Where it was defined (for "already defined" messages). */
  pos: number;
  len: number;

  constructor(how: TomlTable['how'], pos: number, len: number) {
    this.how = how;
    this.pos = pos;
    this.len = len;
  }
}

/** An array created by `[[header]]` (extendable), as opposed to a static `[...]` array. */
export class TableArray extends Array<TomlValue> {}

const INT_HINTS = ['valid  : -42, 1_000, 1_2_3_4_5, 0xC0FFEE, 0b0010, 0o755', 'invalid: _42, 1__000, 0123'];
const FLOAT_HINTS = ['valid  : +1.0, -2e-2, 3.141_592_653_589, inf, nan', 'invalid: .0, 1., _1.0, 1.0_, 1_.0, 1.0__0'];
const INT64_MAX = 2n ** 63n - 1n;

const isBare = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

export class TomlParser {
  readonly #s: string;
  #i = 0;
  readonly root = new TomlTable('implicit', 0, 0);
  #current: TomlTable = this.root;

  constructor(s: string) {
    this.#s = s;
  }

  #err(title: string, pos: number, label: string, len = 1, hints: readonly string[] = [], code = 'E_TOML_SYNTAX'): Error {
    return tomlError(code, this.#s, title, [{ pos, len, label }], hints);
  }

  #peek(k = 0): number {
    return this.#i + k < this.#s.length ? this.#s.charCodeAt(this.#i + k) : -1;
  }

  #ws(): void {
    while (this.#peek() === 0x20 || this.#peek() === 0x09) this.#i++;
  }

  /** A comment, if any, up to (not including) the newline. */
  #comment(): void {
    if (this.#peek() !== 0x23) return;
    this.#i++;
    while (this.#i < this.#s.length) {
      const c = this.#peek();
      if (c === 0x0a || (c === 0x0d && this.#peek(1) === 0x0a)) return;
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw this.#err('toml::parse_comment_line: comment contains a control character', this.#i, 'here');
      if (c >= 0x80) this.#utf8();
      else this.#i++;
    }
  }

  /** Newline or end of input; returns false if neither is here. */
  #newline(): boolean {
    if (this.#peek() === 0x0a) {
      this.#i++;
      return true;
    }
    if (this.#peek() === 0x0d && this.#peek(1) === 0x0a) {
      this.#i += 2;
      return true;
    }
    return this.#i >= this.#s.length;
  }

  /** Skip whitespace, comments and newlines (inside arrays). */
  #wsCommentNewlines(): void {
    for (;;) {
      this.#ws();
      this.#comment();
      if (this.#i >= this.#s.length || !this.#newline()) return;
    }
  }

  /** One valid UTF-8 sequence starting at the cursor; returns it. */
  #utf8(): string {
    const s = this.#s;
    const start = this.#i;
    const c = s.charCodeAt(start);
    let n = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) [n, lo, hi] = [2, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf];
    else if (c >= 0xf0 && c <= 0xf4) [n, lo, hi] = [3, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf];
    else throw this.#err('toml::parse: invalid UTF-8 byte', start, 'here');
    for (let k = 1; k <= n; k++) {
      const b = start + k < s.length ? s.charCodeAt(start + k) : -1;
      if (k === 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf) throw this.#err('toml::parse: invalid UTF-8 byte', start, 'here');
    }
    this.#i = start + n + 1;
    return s.slice(start, this.#i);
  }

  parse(): TomlTable {
    const s = this.#s;
    while (this.#i < s.length) {
      this.#ws();
      const c = this.#peek();
      if (c === 0x5b) this.#header();
      else if (c !== 0x23 && c !== 0x0a && c !== 0x0d && c !== -1) this.#keyval(this.#current, false);
      this.#ws();
      this.#comment();
      if (!this.#newline()) throw this.#err('toml::parse_table: newline (LF / CRLF) or EOF is expected', this.#i, 'here');
    }
    return this.root;
  }

  // --- keys and tables --------------------------------------------------------------

  #simpleKey(): { key: string; pos: number } {
    const pos = this.#i;
    const c = this.#peek();
    if (c === 0x22) {
      if (this.#s.startsWith('"""', pos)) throw this.#err('toml::parse_key: expected a new key, multiline string is not allowed', pos, 'here');
      return { key: this.#basicString(), pos };
    }
    if (c === 0x27) {
      if (this.#s.startsWith("'''", pos)) throw this.#err('toml::parse_key: expected a new key, multiline string is not allowed', pos, 'here');
      return { key: this.#literalString(), pos };
    }
    while (isBare(this.#peek())) this.#i++;
    if (this.#i === pos) throw this.#err('toml::parse_key: expected a new key, but got nothing', pos, 'here');
    return { key: this.#s.slice(pos, this.#i), pos };
  }

  #key(): { keys: string[]; pos: number; len: number } {
    const pos = this.#i;
    const keys = [this.#simpleKey().key];
    for (;;) {
      const save = this.#i;
      this.#ws();
      if (this.#peek() !== 0x2e) {
        this.#i = save;
        break;
      }
      this.#i++;
      this.#ws();
      keys.push(this.#simpleKey().key);
    }
    return { keys, pos, len: this.#i - pos };
  }

  /** `[a.b]` or `[[a.b]]`. */
  #header(): void {
    const pos = this.#i;
    const isArray = this.#s.startsWith('[[', pos);
    this.#i += isArray ? 2 : 1;
    this.#ws();
    const { keys } = this.#key();
    this.#ws();
    if (!this.#s.startsWith(isArray ? ']]' : ']', this.#i)) {
      throw this.#err(`toml::parse_table: expected \`${isArray ? ']]' : ']'}\``, this.#i, 'here');
    }
    this.#i += isArray ? 2 : 1;
    const len = this.#i - pos;
    let t = this.root;
    for (const k of keys.slice(0, -1)) t = this.#descend(t, k, pos, len, 'implicit');
    const last = keys[keys.length - 1]!;
    const existing = t.map.get(last);
    if (isArray) {
      const fresh = new TomlTable('header', pos, len);
      if (existing === undefined) t.map.set(last, TableArray.of<TomlValue>(fresh));
      else if (existing instanceof TableArray) existing.push(fresh);
      else throw this.#redefined(pos, len, existing, 'failed to insert a table array, value already exists');
      this.#current = fresh;
      return;
    }
    if (existing === undefined) {
      const fresh = new TomlTable('header', pos, len);
      t.map.set(last, fresh);
      this.#current = fresh;
    } else if (existing instanceof TomlTable && existing.how === 'implicit') {
      existing.how = 'header';
      existing.pos = pos;
      existing.len = len;
      this.#current = existing;
    } else throw this.#redefined(pos, len, existing, 'failed to insert a table, table already defined');
  }

  #redefined(pos: number, len: number, existing: TomlValue, what: string): Error {
    const at = existing instanceof TomlTable ? { pos: existing.pos, len: existing.len } : { pos, len };
    return tomlError('E_TOML_DUPLICATE', this.#s, `toml::insert_value: ${what}`, [
      { pos, len, label: 'inserting this' },
      { ...at, label: 'this table is explicitly defined' },
    ]);
  }

  /** The sub-table `k` of `t` for a header or dotted key, creating it when absent. */
  #descend(t: TomlTable, k: string, pos: number, len: number, how: 'implicit' | 'dotted'): TomlTable {
    const v = t.map.get(k);
    if (v === undefined) {
      const fresh = new TomlTable(how, pos, len);
      t.map.set(k, fresh);
      return fresh;
    }
    if (v instanceof TableArray && how === 'implicit') return v[v.length - 1] as TomlTable;
    if (v instanceof TomlTable && v.how !== 'inline' && (how === 'implicit' || v.how !== 'header')) return v;
    if (v instanceof TomlTable && v.how === 'inline') {
      throw tomlError('E_TOML_DUPLICATE', this.#s, 'toml::insert_value: failed to insert a value: inline table is immutable', [
        { pos, len, label: 'inserting this' },
        { pos: v.pos, len: v.len, label: 'to this table' },
      ]);
    }
    throw this.#redefined(pos, len, v, 'failed to insert a value, value already exists');
  }

  #keyval(table: TomlTable, inline: boolean): void {
    const { keys, pos, len } = this.#key();
    this.#ws();
    if (this.#peek() !== 0x3d) throw this.#err('toml::parse_key_value_pair: expected `=`', this.#i, 'here');
    this.#i++;
    this.#ws();
    let t = table;
    for (const k of keys.slice(0, -1)) {
      t = this.#descend(t, k, pos, len, 'dotted');
      if (inline) t.how = 'dotted';
    }
    const last = keys[keys.length - 1]!;
    const vpos = this.#i;
    const value = this.#value();
    const prev = t.map.get(last);
    if (prev !== undefined) {
      const at = prev instanceof TomlTable ? { pos: prev.pos, len: prev.len } : (t.defs.get(last) ?? { pos: vpos, len: 1 });
      throw tomlError('E_TOML_DUPLICATE', this.#s, 'toml::insert_value: failed to insert a value, value already exists', [
        { pos, len, label: 'inserting this' },
        { ...at, label: 'but value already exists' },
      ]);
    }
    t.map.set(last, value);
    t.defs.set(last, { pos, len });
  }

  // --- values -------------------------------------------------------------------------

  #value(): TomlValue {
    const s = this.#s;
    const pos = this.#i;
    const c = this.#peek();
    if (c === 0x22) return s.startsWith('"""', pos) ? this.#multilineBasic() : this.#basicString();
    if (c === 0x27) return s.startsWith("'''", pos) ? this.#multilineLiteral() : this.#literalString();
    if (c === 0x5b) return this.#array();
    if (c === 0x7b) return this.#inlineTable();
    if (s.startsWith('true', pos) && !isBare(this.#peek(4))) {
      this.#i += 4;
      return true;
    }
    if (s.startsWith('false', pos) && !isBare(this.#peek(5))) {
      this.#i += 5;
      return false;
    }
    if (c === 0x74 || c === 0x66) {
      throw this.#err('toml::parse_boolean: invalid boolean: boolean must be `true` or `false`, in lowercase. string must be surrounded by `"`', pos, 'expected true or false');
    }
    const rest = s.slice(pos, pos + 40);
    if (/^\d{4}-\d{2}-\d{2}/.test(rest) || /^\d{2}:\d{2}:/.test(rest)) return this.#dateTime();
    if (/^[+-]?(inf|nan)/.test(rest)) {
      const m = /^[+-]?(inf|nan)/.exec(rest)!;
      this.#i += m[0].length;
      const neg = m[0][0] === '-';
      return { float: m[1] === 'inf' ? (neg ? -Infinity : Infinity) : neg ? -NaN : NaN };
    }
    if (c === 0x2b || c === 0x2d || c === 0x2e || isDigit(c)) return this.#number();
    throw this.#err('toml::parse_value: unknown value appeared', pos, 'here');
  }

  #number(): TomlValue {
    const s = this.#s;
    const pos = this.#i;
    const prefix = s.slice(pos, pos + 2);
    if (prefix === '0x' || prefix === '0o' || prefix === '0b') return this.#radixInt(prefix[1]!);
    let k = pos;
    if (s[k] === '+' || s[k] === '-') k++;
    if (s[k] === '.') throw this.#err('bad float: integer part is required before decimal point', k, 'missing integer part', 1, FLOAT_HINTS);
    const start = k;
    // Digits with single underscores between them.
    const digits = (what: 'integer' | 'float'): void => {
      if (!isDigit(s.charCodeAt(k))) throw this.#err(`bad ${what}: invalid format`, k, 'here', 1, what === 'float' ? FLOAT_HINTS : INT_HINTS);
      while (isDigit(s.charCodeAt(k)) || s[k] === '_') {
        if (s[k] === '_' && !(isDigit(s.charCodeAt(k - 1)) && isDigit(s.charCodeAt(k + 1)))) {
          throw this.#err(`bad ${what}: \`_\` must be surrounded by digits`, k, 'invalid underscore', 1, what === 'float' ? FLOAT_HINTS : INT_HINTS);
        }
        k++;
      }
    };
    digits('integer');
    if (s[start] === '0' && k > start + 1) throw this.#err('bad integer: invalid digit after an integer', start + 1, 'this digit is not allowed', 1, INT_HINTS);
    let isFloat = false;
    if (s[k] === '.') {
      isFloat = true;
      k++;
      if (!isDigit(s.charCodeAt(k))) throw this.#err('bad float: invalid format', k, 'here', 1, FLOAT_HINTS);
      digits('float');
    }
    if (s[k] === 'e' || s[k] === 'E') {
      isFloat = true;
      k++;
      if (s[k] === '+' || s[k] === '-') k++;
      digits('float');
    }
    if (s[start] === '0' && isDigit(s.charCodeAt(start + 1))) throw this.#err('bad integer: invalid digit after an integer', start + 1, 'this digit is not allowed', 1, INT_HINTS);
    this.#i = k;
    const text = s.slice(pos, k).replaceAll('_', '');
    if (isFloat) {
      const x = Number(text);
      if (!Number.isFinite(x)) throw this.#err('toml::parse_floating: failed to read floating point value from stream', k, 'here', 1, [], 'E_TOML_RANGE');
      return { float: x };
    }
    const n = BigInt(text);
    if (n > INT64_MAX || n < -INT64_MAX - 1n) {
      throw this.#err('toml::parse_dec_integer: too large integer: current max digits = 2^63', k, 'must be < 2^63', 1, [], 'E_TOML_RANGE');
    }
    return n;
  }

  #radixInt(r: string): bigint {
    const s = this.#s;
    const pos = this.#i;
    const ok = r === 'x' ? /[0-9a-fA-F]/ : r === 'o' ? /[0-7]/ : /[01]/;
    let k = pos + 2;
    if (!ok.test(s[k] ?? '')) throw this.#err('bad integer: invalid format', k, 'here', 1, INT_HINTS);
    while (k < s.length && (ok.test(s[k]!) || s[k] === '_')) {
      if (s[k] === '_' && !(ok.test(s[k - 1]!) && ok.test(s[k + 1] ?? ''))) throw this.#err('bad integer: `_` must be surrounded by digits', k, 'invalid underscore', 1, INT_HINTS);
      k++;
    }
    this.#i = k;
    const n = BigInt(`0${r}${s.slice(pos + 2, k).replaceAll('_', '')}`);
    if (n > INT64_MAX) {
      const name = r === 'x' ? 'hex' : r === 'o' ? 'oct' : 'bin';
      throw this.#err(`toml::parse_${name}_integer: too large integer: current max value = 2^63`, k, 'must be < 2^63', 1, [], 'E_TOML_RANGE');
    }
    return n;
  }

  #escape(): string {
    const s = this.#s;
    const pos = this.#i; // at the backslash
    const e = s[pos + 1];
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
    if (e !== undefined && Object.hasOwn(simple, e)) {
      this.#i += 2;
      return simple[e]!;
    }
    if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const hex = s.slice(pos + 2, pos + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw this.#err('toml::parse_escape_sequence: invalid token found in UTF-8 codepoint', pos, 'here');
      const cp = parseInt(hex, 16);
      if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        throw this.#err('toml::parse_utf8_codepoint: input codepoint is too large or in the surrogate range', pos, 'must be in range [0x00, 0xD7FF] or [0xE000, 0x10FFFF]');
      }
      this.#i += 2 + n;
      return String.fromCharCode(...new TextEncoder().encode(String.fromCodePoint(cp)));
    }
    throw this.#err('toml::parse_basic_string: invalid string format', pos, 'expected "');
  }

  /** A raw character of a string body: control characters are errors, UTF-8 is checked. */
  #bodyChar(allowNewline: boolean): string {
    const c = this.#peek();
    if (c >= 0x80) return this.#utf8();
    if (allowNewline && (c === 0x0a || (c === 0x0d && this.#peek(1) === 0x0a))) {
      const nl = c === 0x0a ? '\n' : '\r\n';
      this.#i += nl.length;
      return nl;
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw this.#err('toml::parse_string: string contains a control character', this.#i, 'here');
    this.#i++;
    return String.fromCharCode(c);
  }

  #basicString(): string {
    const open = this.#i++;
    let out = '';
    for (;;) {
      const c = this.#peek();
      if (c === 0x22) {
        this.#i++;
        return out;
      }
      if (c === -1 || c === 0x0a || c === 0x0d) throw this.#err('toml::parse_basic_string: missing closing `"`', open, 'here');
      out += c === 0x5c ? this.#escape() : this.#bodyChar(false);
    }
  }

  #literalString(): string {
    const open = this.#i++;
    let out = '';
    for (;;) {
      const c = this.#peek();
      if (c === 0x27) {
        this.#i++;
        return out;
      }
      if (c === -1 || c === 0x0a || c === 0x0d) throw this.#err("toml::parse_literal_string: missing closing `'`", open, 'here');
      out += this.#bodyChar(false);
    }
  }

  /** The content before a closing `"""`/`'''` (which may be preceded by 1-2 more quotes). */
  #multiline(q: string, escapes: boolean): string {
    const s = this.#s;
    const open = this.#i;
    this.#i += 3;
    // A newline right after the opening delimiter is trimmed.
    if (s[this.#i] === '\n') this.#i++;
    else if (s.startsWith('\r\n', this.#i)) this.#i += 2;
    let out = '';
    for (;;) {
      if (this.#i >= s.length) throw this.#err(`toml::parse_multiline_string: missing closing \`${q.repeat(3)}\``, open, 'here');
      if (s.startsWith(q.repeat(3), this.#i)) {
        let n = 3;
        while (n < 5 && s[this.#i + n] === q) n++;
        out += q.repeat(n - 3);
        this.#i += n;
        return out;
      }
      if (escapes && s[this.#i] === '\\') {
        // A line-ending backslash eats the newline and the whitespace after it.
        const m = /^\\[ \t]*(\r?\n)/.exec(s.slice(this.#i, this.#i + 256));
        if (m) {
          this.#i += m[0].length;
          while (/[ \t\n]/.test(s[this.#i] ?? '') || s.startsWith('\r\n', this.#i)) this.#i++;
          continue;
        }
        out += this.#escape();
        continue;
      }
      out += this.#bodyChar(true);
    }
  }

  #multilineBasic(): string {
    return this.#multiline('"', true);
  }

  #multilineLiteral(): string {
    return this.#multiline("'", false);
  }

  #array(): TomlValue[] {
    const open = this.#i++;
    const out: TomlValue[] = [];
    for (;;) {
      this.#wsCommentNewlines();
      if (this.#peek() === 0x5d) {
        this.#i++;
        return out;
      }
      if (this.#i >= this.#s.length) throw this.#err('toml::parse_array: missing closing bracket `]`', open, 'here');
      const v = this.#value();
      if (v instanceof TomlTable) v.how = 'inline';
      out.push(v);
      this.#wsCommentNewlines();
      if (this.#peek() === 0x2c) this.#i++;
      else if (this.#peek() !== 0x5d) throw this.#err('toml::parse_array: missing closing bracket `]`', open, 'here');
    }
  }

  #inlineTable(): TomlTable {
    const open = this.#i++;
    const t = new TomlTable('inline', open, 1);
    this.#ws();
    if (this.#peek() === 0x7d) {
      this.#i++;
      return this.#sealInline(t, open);
    }
    for (;;) {
      this.#ws();
      this.#keyval(t, true);
      this.#ws();
      const c = this.#peek();
      if (c === 0x7d) {
        this.#i++;
        return this.#sealInline(t, open);
      }
      if (c !== 0x2c) throw this.#err('toml::parse_inline_table: missing curly brace `}`', this.#i, 'here');
      this.#i++;
      this.#ws();
      if (this.#peek() === 0x7d) throw this.#err('toml::parse_inline_table: trailing comma is not allowed in TOML-v1.0.0)', this.#i - 1, 'here');
    }
  }

  /** Inline tables and every table inside them are immutable. */
  #sealInline(t: TomlTable, open: number): TomlTable {
    t.len = this.#i - open;
    const seal = (x: TomlValue): void => {
      if (x instanceof TomlTable) {
        x.how = 'inline';
        x.map.forEach(seal);
      } else if (Array.isArray(x)) x.forEach(seal);
    };
    seal(t);
    t.pos = open;
    return t;
  }

  // --- dates and times ----------------------------------------------------------------

  #dateTime(): { time: string } {
    const s = this.#s;
    const pos = this.#i;
    const m = /^(?:(\d{4})-(\d{2})-(\d{2}))?(?:([Tt ]|^)(\d{2}):(\d{2}):(\d{2})(\.\d+)?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?/.exec(s.slice(pos, pos + 64))!;
    let [text, Y, M, D, , h, mi, sec, frac, z, sg, oh, om] = m;
    // A space is a date-time delimiter only when a time follows.
    if (m[4] === ' ' && h === undefined) text = text.trimEnd();
    let out = '';
    if (Y !== undefined) {
      const y = Number(Y);
      const mon = Number(M);
      const d = Number(D);
      const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
      if (mon < 1 || mon > 12 || d < 1 || d > days[mon - 1]!) {
        throw this.#err('toml::parse_local_date: invalid date.', pos, 'month must be 01-12, day must be any of 01-28,29,30,31 depending on the month/year.', 10);
      }
      out = `${Y}-${M}-${D}`;
    }
    if (h !== undefined) {
      const tpos = pos + (Y !== undefined ? 11 : 0);
      if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) {
        throw this.#err('toml::parse_local_time: invalid time.', tpos, 'hour must be 00-23, minute must be 00-59.', 8);
      }
      out += `${Y !== undefined ? 'T' : ''}${h}:${mi}:${sec}`;
      if (frac !== undefined) {
        // toml11 keeps milli-, micro- and nanoseconds: 3, 6 or 9 digits, truncated at 9.
        const digits = frac.slice(1, 10).padEnd(9, '0');
        const [ms, us, ns] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6, 9)];
        out += ns !== '000' ? `.${ms}${us}${ns}` : us !== '000' ? `.${ms}${us}` : ms !== '000' ? `.${ms}` : '';
      }
      if (z !== undefined || sg !== undefined) {
        if (Y === undefined) throw this.#err('bad datetime: invalid format', pos, 'here');
        const zero = z !== undefined || (oh === '00' && om === '00');
        if (!zero && (Number(oh) > 23 || Number(om) > 59)) throw this.#err('toml::parse_offset_datetime: too large offset: |hour| <= 24, |minute| < 60', pos, 'here');
        out += zero ? 'Z' : `${sg}${oh}:${om}`;
      }
    } else if (z !== undefined || sg !== undefined) text = text.slice(0, 10);
    this.#i = pos + text.length;
    return { time: out };
  }
}
