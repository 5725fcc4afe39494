/**
 * The tokenizer of POSIX extended regular expressions as libstdc++'s `std::regex` with
 * `std::regex::extended` reads them (bits/regex_scanner.tcc), which is what Nix's
 * `builtins.match` and `builtins.split` use. Its quirks are Nix's semantics:
 *
 * - Special outside brackets: `. [ \ ( ) * + ? { | ^ $`. `]` and `}` are ordinary.
 * - `\` may escape only a special character; any other escape (`\d`, `\]`, `\n`, `\1`) is
 *   an error, because libstdc++ is compiled in strict ANSI mode there.
 * - Inside brackets: `]` first (after an optional `^`) is literal, `\` is literal,
 *   `[:class:]`, `[.coll.]`, `[=equiv=]` must close with `:]`, `.]`, `=]`.
 * - Inside `{...}`: digits, `,` and `}` only.
 * - A NUL byte anywhere outside brackets is an error.
 *
 * Tokens are produced one ahead, as in libstdc++, because the scanner's state (normal, in
 * bracket, in brace) changes as tokens are read.
 */

import { RegexSyntaxError } from './errors.ts';

export const T_EOF = 0;
export const T_ORD = 1; // an ordinary character, in `value`
export const T_ANY = 2; // .
export const T_SUB_BEGIN = 3; // (
export const T_SUB_END = 4; // )
export const T_BRACKET_BEGIN = 5; // [
export const T_BRACKET_NEG_BEGIN = 6; // [^
export const T_BRACKET_END = 7; // ] closing a bracket
export const T_BRACKET_DASH = 8; // - inside a bracket
export const T_INTERVAL_BEGIN = 9; // {
export const T_INTERVAL_END = 10; // }
export const T_COMMA = 11; // , inside braces
export const T_DUP_COUNT = 12; // digits inside braces, in `value`
export const T_CLASS_NAME = 13; // [:name:], name in `value`
export const T_COLL_SYMBOL = 14; // [.name.]
export const T_EQUIV_NAME = 15; // [=name=]
export const T_OPT = 16; // ?
export const T_OR = 17; // |
export const T_STAR = 18; // *
export const T_PLUS = 19; // +
export const T_LINE_BEGIN = 20; // ^
export const T_LINE_END = 21; // $

const SPECIAL = '.[\\()*+?{|^$';

const S_NORMAL = 0;
const S_IN_BRACKET = 1;
const S_IN_BRACE = 2;

export class Scanner {
  readonly #src: string;
  #pos = 0;
  #state = S_NORMAL;
  #atBracketStart = false;
  token = T_EOF;
  value = '';

  constructor(src: string) {
    this.#src = src;
    this.advance();
  }

  /** Read the next token into `token`/`value`. */
  advance(): void {
    if (this.#pos >= this.#src.length) {
      this.token = T_EOF;
      return;
    }
    if (this.#state === S_NORMAL) this.#scanNormal();
    else if (this.#state === S_IN_BRACKET) this.#scanInBracket();
    else this.#scanInBrace();
  }

  #ord(c: string): void {
    this.token = T_ORD;
    this.value = c;
  }

  #scanNormal(): void {
    const s = this.#src;
    const c = s[this.#pos++]!;
    if (c !== '\0' && !SPECIAL.includes(c)) return this.#ord(c);
    if (c === '\\') {
      if (this.#pos >= s.length) throw new RegexSyntaxError('escape at end of pattern');
      const e = s[this.#pos++]!;
      if (e !== '\0' && SPECIAL.includes(e)) return this.#ord(e);
      throw new RegexSyntaxError(`invalid escape '\\${e}'`);
    }
    switch (c) {
      case '(':
        this.token = T_SUB_BEGIN;
        return;
      case ')':
        this.token = T_SUB_END;
        return;
      case '[':
        this.#state = S_IN_BRACKET;
        this.#atBracketStart = true;
        if (this.#pos < s.length && s[this.#pos] === '^') {
          this.#pos++;
          this.token = T_BRACKET_NEG_BEGIN;
        } else this.token = T_BRACKET_BEGIN;
        return;
      case '{':
        this.#state = S_IN_BRACE;
        this.token = T_INTERVAL_BEGIN;
        return;
      case '\0':
        throw new RegexSyntaxError('NUL byte in pattern');
      case '^':
        this.token = T_LINE_BEGIN;
        return;
      case '$':
        this.token = T_LINE_END;
        return;
      case '.':
        this.token = T_ANY;
        return;
      case '*':
        this.token = T_STAR;
        return;
      case '+':
        this.token = T_PLUS;
        return;
      case '?':
        this.token = T_OPT;
        return;
      default: // '|'
        this.token = T_OR;
    }
  }

  #scanInBracket(): void {
    const s = this.#src;
    const c = s[this.#pos++]!;
    if (c === '-') this.token = T_BRACKET_DASH;
    else if (c === '[') {
      if (this.#pos >= s.length) throw new RegexSyntaxError("incomplete '[[' in bracket");
      const k = s[this.#pos]!;
      if (k === '.' || k === ':' || k === '=') {
        this.#pos++;
        this.token = k === '.' ? T_COLL_SYMBOL : k === ':' ? T_CLASS_NAME : T_EQUIV_NAME;
        this.#eatClass(k);
      } else this.#ord(c);
    } else if (c === ']' && !this.#atBracketStart) {
      this.token = T_BRACKET_END;
      this.#state = S_NORMAL;
    } else this.#ord(c);
    this.#atBracketStart = false;
  }

  /** Read `name` up to the closing `k]` of `[:name:]` and friends. */
  #eatClass(k: string): void {
    const s = this.#src;
    const close = s.indexOf(k, this.#pos);
    if (close < 0 || s[close + 1] !== ']') throw new RegexSyntaxError(`unterminated '[${k}' in bracket`);
    this.value = s.slice(this.#pos, close);
    this.#pos = close + 2;
  }

  #scanInBrace(): void {
    const s = this.#src;
    const c = s[this.#pos++]!;
    if (c >= '0' && c <= '9') {
      let v = c;
      while (this.#pos < s.length && s[this.#pos]! >= '0' && s[this.#pos]! <= '9') v += s[this.#pos++];
      this.token = T_DUP_COUNT;
      this.value = v;
    } else if (c === ',') this.token = T_COMMA;
    else if (c === '}') {
      this.#state = S_NORMAL;
      this.token = T_INTERVAL_END;
    } else throw new RegexSyntaxError(`unexpected '${c}' in braces`);
  }
}
