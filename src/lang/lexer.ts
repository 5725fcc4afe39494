/**
 * The Nix lexer: upstream's flex scanner (libexpr/lexer.l) as char-code loops.
 *
 * Flex picks the longest match among all rules active in the current start condition, the
 * earlier rule on a tie; this file reproduces that for the overlapping token classes
 *
 *   ID     [a-zA-Z_][a-zA-Z0-9_'-]*          (keywords win ties)
 *   INT    [0-9]+                             FLOAT ((1-9)[0-9]*\.[0-9]*|0?\.[0-9]+)([Ee][+-]?[0-9]+)?
 *   PATH   {PATH_CHAR}*(/{PATH_CHAR}+)+/?     PATH_CHAR [a-zA-Z0-9._+-]
 *   HPATH  ~(/{PATH_CHAR}+)+/?                SPATH <{PATH_CHAR}+(/{PATH_CHAR}+)*>
 *   URI    [a-zA-Z][a-zA-Z0-9+.-]*:[a-zA-Z0-9%/?:@&=+$,_.!~*'-]+
 *   {PATH_CHAR}*\/${ and ~/${                 start of an interpolated path
 *
 * and the start conditions: STRING ("…"), IND_STRING (''…''), INPATH / INPATH_SLASH (after a
 * path part), pushed and popped on a stack as flex does (`{` and `${` push DEFAULT, `}` pops).
 *
 * The whole input is lexed up front into parallel arrays (`TokenStream`). A lexer error
 * does not throw here: it becomes a T_LEX_ERROR token holding the error, thrown by the parser
 * only when it asks for that token — so an earlier syntax error still wins, as in Nix,
 * whose parser pulls tokens one at a time. Token locations follow flex's `yylloc` bookkeeping,
 * including its quirks (the end-of-file token sits at the end of the last match, or before
 * the last path part when the input ends inside a path).
 */

import { NixSyntaxError } from './syntax-error.ts';
import type { Source } from './source.ts';
import * as T from './tokens.ts';

export interface LexOptions {
  /** The experimental feature `pipe-operators` is enabled (else `|>` and `<|` are errors). */
  readonly pipeOperators?: boolean;
}

/** The lexed input: token `i` has kind `kinds[i]`, bytes `starts[i]`..`ends[i]`, payload `values[i]`. */
export interface TokenStream {
  readonly source: Source;
  readonly count: number;
  readonly kinds: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /**
   * ID/URI/PATH/HPATH/SPATH: the text; STR/IND_STR: the unescaped text; INT: number|bigint;
   * FLOAT: number; T_LEX_ERROR: the NixSyntaxError.
   */
  readonly values: unknown[];
  /** 1 for an IND_STR token that is literal text (counts for indentation), 0 for escapes. */
  readonly indentFlags: Uint8Array;
}

// Start conditions.
const S_INITIAL = 0;
const S_DEFAULT = 1;
const S_STRING = 2;
const S_IND = 3;
const S_INPATH = 4;
const S_INPATH_SLASH = 5;

// Character classes.
const C_ID_START = 1;
const C_ID = 2;
const C_PATH = 4;
const C_DIGIT = 8;
const C_SCHEME = 16;
const C_URI = 32;
const CLASS = (() => {
  const t = new Uint8Array(256);
  const add = (chars: string, bit: number) => {
    for (const ch of chars) t[ch.charCodeAt(0)]! |= bit;
  };
  const alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const digits = '0123456789';
  add(alpha + '_', C_ID_START);
  add(alpha + digits + "_'-", C_ID);
  add(alpha + digits + '._-+', C_PATH);
  add(digits, C_DIGIT);
  add(alpha + digits + '+-.', C_SCHEME);
  add(alpha + digits + "%/?:@&=+$,-_.!~*'", C_URI);
  return t;
})();

const INT64_MAX = 9223372036854775807n;

export function lex(source: Source, options: LexOptions = {}): TokenStream {
  return new Lexer(source, options).run();
}

class Lexer {
  readonly source: Source;
  readonly text: string;
  readonly len: number;
  readonly pipes: boolean;
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  values: unknown[] = [];
  flags: Uint8Array;
  count = 0;
  stack: number[] = [S_INITIAL];
  state = S_INITIAL;
  // flex's yylloc (cur) and its stash (prev), for the few places where upstream rewinds.
  curB = 0;
  curE = 0;
  prevB = 0;
  prevE = 0;

  constructor(source: Source, options: LexOptions) {
    this.source = source;
    this.text = source.text;
    this.len = this.text.length;
    this.pipes = options.pipeOperators === true;
    const cap = Math.max(16, (this.len >> 2) + 16);
    this.kinds = new Uint8Array(cap);
    this.starts = new Int32Array(cap);
    this.ends = new Int32Array(cap);
    this.flags = new Uint8Array(cap);
  }

  run(): TokenStream {
    let i = 0;
    for (;;) {
      const st = this.state;
      let r: number;
      if (st <= S_DEFAULT) r = this.lexDefault(i);
      else if (st === S_STRING) r = this.lexString(i);
      else if (st === S_IND) r = this.lexIndString(i);
      else r = this.lexInPath(i);
      if (r < 0) break;
      i = r;
    }
    return {
      source: this.source,
      count: this.count,
      kinds: this.kinds,
      starts: this.starts,
      ends: this.ends,
      values: this.values,
      indentFlags: this.flags,
    };
  }

  /** Record a flex match of [b, e) (YY_USER_ACTION). */
  match(b: number, e: number): void {
    this.prevB = this.curB;
    this.prevE = this.curE;
    this.curB = b;
    this.curE = e;
  }

  emit(kind: number, b: number, e: number, value?: unknown, flag = 0): void {
    let n = this.count;
    if (n === this.kinds.length) this.grow();
    this.kinds[n] = kind;
    this.starts[n] = b;
    this.ends[n] = e;
    this.flags[n] = flag;
    this.values[n] = value;
    this.count = n + 1;
  }

  grow(): void {
    const cap = this.kinds.length * 2;
    const k = new Uint8Array(cap);
    k.set(this.kinds);
    this.kinds = k;
    const s = new Int32Array(cap);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(cap);
    e.set(this.ends);
    this.ends = e;
    const f = new Uint8Array(cap);
    f.set(this.flags);
    this.flags = f;
  }

  /** Emit the end-of-file token at the current location; returns -1 (stop). */
  eof(): number {
    this.emit(T.T_EOF, this.curB, this.curE);
    return -1;
  }

  /** Emit a lexer error token; returns -1 (stop). */
  fail(message: string, offset: number): number {
    const err = new NixSyntaxError('E_NIX_LEX', message, this.source, offset);
    this.emit(T.T_LEX_ERROR, offset, offset, err);
    return -1;
  }

  push(s: number): void {
    this.stack.push(s);
    this.state = s;
  }

  pop(): void {
    this.stack.pop();
    this.state = this.stack[this.stack.length - 1]!;
  }

  /** Replace the current state (POP_STATE + PUSH_STATE). */
  replace(s: number): void {
    this.stack[this.stack.length - 1] = s;
    this.state = s;
  }

  /** `${` at `i`: an antiquotation opens, its expression lexed in the default state until `}`. */
  openAntiquote(i: number): number {
    this.match(i, i + 2);
    this.emit(T.T_DOLLAR_CURLY, i, i + 2);
    this.push(S_DEFAULT);
    return i + 2;
  }

  // ---- INITIAL / DEFAULT ----------------------------------------------------------------

  lexDefault(i: number): number {
    const text = this.text;
    const len = this.len;
    // Whitespace and comments: each run or comment is one flex match.
    for (;;) {
      if (i >= len) return this.eof();
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 9 || c === 13) {
        let j = i + 1;
        while (j < len) {
          const d = text.charCodeAt(j);
          if (d === 32 || d === 10 || d === 9 || d === 13) j++;
          else break;
        }
        this.match(i, j);
        i = j;
      } else if (c === 35 /* # */) {
        let j = i + 1;
        while (j < len) {
          const d = text.charCodeAt(j);
          if (d === 10 || d === 13) break;
          j++;
        }
        this.match(i, j);
        i = j;
      } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
        const close = text.indexOf('*/', i + 2);
        if (close < 0) break; // unterminated: `/` lexes as a character token
        this.match(i, close + 2);
        i = close + 2;
      } else break;
    }
    const c = text.charCodeAt(i);
    const cls = c < 256 ? CLASS[c]! : 0;

    // Identifiers and keywords, the common case: decide quickly unless a path or URI may be longer.
    if (cls & C_ID_START) {
      let j = i + 1;
      while (j < len && CLASS[text.charCodeAt(j)]! & C_ID) j++;
      const d = text.charCodeAt(j);
      if (d !== 46 && d !== 43 && d !== 47 && d !== 58 /* . + / : */) {
        const word = text.slice(i, j);
        const kw = j - i <= 7 ? T.KEYWORDS.get(word) : undefined;
        this.match(i, j);
        if (kw !== undefined) this.emit(kw, i, j);
        else this.emit(T.T_ID, i, j, word);
        return j;
      }
      return this.lexWord(i);
    }
    if (cls & C_DIGIT) {
      let j = i + 1;
      while (j < len && CLASS[text.charCodeAt(j)]! & C_DIGIT) j++;
      const d = text.charCodeAt(j);
      if (j >= len || !(d < 256 && CLASS[d]! & (C_PATH | C_ID)) && d !== 47) return this.emitInt(i, j);
      return this.lexWord(i);
    }

    switch (c) {
      case 46: // .
        if (text.charCodeAt(i + 1) === 46 && text.charCodeAt(i + 2) === 46) {
          // `...` unless a path is longer (`.../x`)
          if (Math.max(this.pathLength(i), this.pathSegDollar(i)) > 3) return this.lexWord(i);
          return this.simple(T.T_ELLIPSIS, i, 3);
        }
        return this.lexWord(i);
      case 45: // -
        if (text.charCodeAt(i + 1) === 62) return this.simple(T.T_IMPL, i, 2);
        return this.lexWord(i);
      case 43: // +
        if (text.charCodeAt(i + 1) === 43 && this.pathLength(i) <= 2 && this.pathSegDollar(i) === 0) return this.simple(T.T_CONCAT, i, 2);
        return this.lexWord(i);
      case 47: // /
        if (text.charCodeAt(i + 1) === 47) return this.simple(T.T_UPDATE, i, 2);
        return this.lexWord(i);
      case 126: // ~
        return this.lexHome(i);
      case 60: {
        // <
        const n = text.charCodeAt(i + 1);
        if (n === 61) return this.simple(T.T_LEQ, i, 2);
        if (n === 124) return this.pipe(T.T_PIPE_FROM, i);
        const sp = this.searchPathLength(i);
        if (sp > 0) {
          this.match(i, i + sp);
          this.emit(T.T_SPATH, i, i + sp, text.slice(i, i + sp));
          return i + sp;
        }
        return this.simple(T.T_LT, i, 1);
      }
      case 62: // >
        if (text.charCodeAt(i + 1) === 61) return this.simple(T.T_GEQ, i, 2);
        return this.simple(T.T_GT, i, 1);
      case 61: // =
        if (text.charCodeAt(i + 1) === 61) return this.simple(T.T_EQ, i, 2);
        return this.simple(T.T_ASSIGN, i, 1);
      case 33: // !
        if (text.charCodeAt(i + 1) === 61) return this.simple(T.T_NEQ, i, 2);
        return this.simple(T.T_BANG, i, 1);
      case 38: // &
        if (text.charCodeAt(i + 1) === 38) return this.simple(T.T_AND, i, 2);
        return this.simple(T.T_UNDEF, i, 1);
      case 124: {
        // |
        const n = text.charCodeAt(i + 1);
        if (n === 124) return this.simple(T.T_OR, i, 2);
        if (n === 62) return this.pipe(T.T_PIPE_INTO, i);
        return this.simple(T.T_UNDEF, i, 1);
      }
      case 36: // $
        if (text.charCodeAt(i + 1) === 123) return this.openAntiquote(i);
        return this.simple(T.T_UNDEF, i, 1);
      case 123: // {
        this.match(i, i + 1);
        this.emit(T.T_LBRACE, i, i + 1);
        this.push(S_DEFAULT);
        return i + 1;
      case 125: // }
        this.match(i, i + 1);
        this.emit(T.T_RBRACE, i, i + 1);
        if (this.state !== S_INITIAL) this.pop();
        return i + 1;
      case 34: // "
        this.match(i, i + 1);
        this.emit(T.T_QUOTE, i, i + 1);
        this.push(S_STRING);
        return i + 1;
      case 39: // '
        if (text.charCodeAt(i + 1) === 39) {
          // ''(\ *\n)?
          let j = i + 2;
          while (text.charCodeAt(j) === 32) j++;
          const e = text.charCodeAt(j) === 10 ? j + 1 : i + 2;
          this.match(i, e);
          this.emit(T.T_IND_STRING_OPEN, i, e);
          this.push(S_IND);
          return e;
        }
        return this.simple(T.T_UNDEF, i, 1);
      case 0:
        // The scanner returns the character code, and 0 is bison's end of file.
        this.match(i, i + 1);
        this.emit(T.T_EOF, i, i + 1);
        return -1;
      default: {
        const k = T.CHAR_TOKENS.get(c);
        return this.simple(k ?? T.T_UNDEF, i, 1);
      }
    }
  }

  simple(kind: number, i: number, n: number): number {
    this.match(i, i + n);
    this.emit(kind, i, i + n);
    return i + n;
  }

  pipe(kind: number, i: number): number {
    if (!this.pipes) {
      return this.fail(
        "experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it",
        i,
      );
    }
    return this.simple(kind, i, 2);
  }

  /** Longest match among ID, INT, FLOAT, PATH, PATH_SEG${, URI and `...` at `i`, in flex's rule order on ties. */
  lexWord(i: number): number {
    const text = this.text;
    const len = this.len;
    const c = text.charCodeAt(i);
    let idLen = 0;
    if (CLASS[c]! & C_ID_START) {
      let j = i + 1;
      while (j < len && CLASS[text.charCodeAt(j)]! & C_ID) j++;
      idLen = j - i;
    }
    let intLen = 0;
    if (CLASS[c]! & C_DIGIT) {
      let j = i + 1;
      while (j < len && CLASS[text.charCodeAt(j)]! & C_DIGIT) j++;
      intLen = j - i;
    }
    const floatLen = this.floatLength(i);
    const segLen = this.pathSegDollar(i);
    const pathLen = this.pathLength(i);
    const uriLen = this.uriLength(i);
    const best = Math.max(idLen, intLen, floatLen, segLen, pathLen, uriLen);
    if (best === 0) {
      const k = T.CHAR_TOKENS.get(c);
      return this.simple(k ?? T.T_UNDEF, i, 1);
    }
    if (best === idLen) {
      const word = text.slice(i, i + idLen);
      const kw = T.KEYWORDS.get(word);
      this.match(i, i + idLen);
      if (kw !== undefined) this.emit(kw, i, i + idLen);
      else this.emit(T.T_ID, i, i + idLen, word);
      return i + idLen;
    }
    if (best === intLen) return this.emitInt(i, i + intLen);
    if (best === floatLen) return this.emitFloat(i, i + floatLen);
    if (best === segLen) {
      // PATH_SEG followed by `${`: the segment is the path token, then INPATH_SLASH.
      const e = i + segLen - 2;
      this.match(i, e);
      this.emit(T.T_PATH, i, e, text.slice(i, e));
      this.push(S_INPATH_SLASH);
      return e;
    }
    if (best === pathLen) {
      const e = i + pathLen;
      this.match(i, e);
      this.emit(T.T_PATH, i, e, text.slice(i, e));
      this.push(text.charCodeAt(e - 1) === 47 ? S_INPATH_SLASH : S_INPATH);
      return e;
    }
    const e = i + uriLen;
    this.match(i, e);
    this.emit(T.T_URI, i, e, text.slice(i, e));
    return e;
  }

  /** `~/…` home paths (HPATH or HPATH_START followed by `${`), else `~` is an invalid token. */
  lexHome(i: number): number {
    const text = this.text;
    if (text.charCodeAt(i + 1) === 47) {
      if (text.charCodeAt(i + 2) === 36 && text.charCodeAt(i + 3) === 123) {
        this.match(i, i + 2);
        this.emit(T.T_HPATH, i, i + 2, '~/');
        this.push(S_INPATH_SLASH);
        return i + 2;
      }
      const n = this.pathLength(i + 1);
      // HPATH needs at least one `/segment` right after `~`, i.e. a PATH with an empty head.
      if (n > 0 && !(CLASS[text.charCodeAt(i + 1)]! & C_PATH)) {
        const e = i + 1 + n;
        this.match(i, e);
        this.emit(T.T_HPATH, i, e, text.slice(i, e));
        this.push(text.charCodeAt(e - 1) === 47 ? S_INPATH_SLASH : S_INPATH);
        return e;
      }
    }
    return this.simple(T.T_UNDEF, i, 1);
  }

  emitInt(i: number, e: number): number {
    const digits = this.text.slice(i, e);
    this.match(i, e);
    let value: number | bigint;
    if (e - i <= 15) value = Number(digits);
    else {
      const big = BigInt(digits);
      if (big > INT64_MAX) return this.fail(`invalid integer '${digits}'`, i);
      value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    this.emit(T.T_INT, i, e, value);
    return e;
  }

  emitFloat(i: number, e: number): number {
    const s = this.text.slice(i, e);
    this.match(i, e);
    const v = Number(s);
    // strtod sets ERANGE on overflow and on underflow to a subnormal or zero result.
    if (!Number.isFinite(v) || (Math.abs(v) < 2.2250738585072014e-308 && /[1-9]/.test(s.replace(/[eE].*$/, '')))) {
      return this.fail(`invalid float '${s}'`, i);
    }
    this.emit(T.T_FLOAT, i, e, v);
    return e;
  }

  /** Length of a FLOAT match at `i`, or 0. */
  floatLength(i: number): number {
    const text = this.text;
    const isDigit = (k: number) => {
      const d = text.charCodeAt(k);
      return d >= 48 && d <= 57;
    };
    let j = i;
    const c = text.charCodeAt(i);
    if (c >= 49 && c <= 57) {
      j++;
      while (isDigit(j)) j++;
      if (text.charCodeAt(j) !== 46) return 0;
      j++;
      while (isDigit(j)) j++;
    } else {
      if (c === 48) j++;
      if (text.charCodeAt(j) !== 46 || !isDigit(j + 1)) return 0;
      j += 2;
      while (isDigit(j)) j++;
    }
    const ex = text.charCodeAt(j);
    if (ex === 101 || ex === 69) {
      let k = j + 1;
      const sg = text.charCodeAt(k);
      if (sg === 43 || sg === 45) k++;
      if (isDigit(k)) {
        k++;
        while (isDigit(k)) k++;
        j = k;
      }
    }
    return j - i;
  }

  /** Length of a PATH match (`{PATH_CHAR}*(/{PATH_CHAR}+)+/?`) at `i`, or 0. */
  pathLength(i: number): number {
    const text = this.text;
    const len = this.len;
    let j = i;
    while (j < len && CLASS[text.charCodeAt(j)]! & C_PATH) j++;
    let segments = 0;
    while (text.charCodeAt(j) === 47 && j + 1 < len && CLASS[text.charCodeAt(j + 1)]! & C_PATH) {
      j += 2;
      while (j < len && CLASS[text.charCodeAt(j)]! & C_PATH) j++;
      segments++;
    }
    if (segments === 0) return 0;
    if (text.charCodeAt(j) === 47) j++;
    return j - i;
  }

  /** Length of `{PATH_CHAR}*\/${` at `i` (including the `${`), or 0. */
  pathSegDollar(i: number): number {
    const text = this.text;
    let j = i;
    while (j < this.len && CLASS[text.charCodeAt(j)]! & C_PATH) j++;
    if (text.charCodeAt(j) === 47 && text.charCodeAt(j + 1) === 36 && text.charCodeAt(j + 2) === 123) return j + 3 - i;
    return 0;
  }

  /** Length of a URI match at `i`, or 0. */
  uriLength(i: number): number {
    const text = this.text;
    const len = this.len;
    const c = text.charCodeAt(i);
    if (!(c < 256 && CLASS[c]! & C_ID_START) || c === 95) return 0;
    let j = i + 1;
    while (j < len && CLASS[text.charCodeAt(j)]! & C_SCHEME) j++;
    if (text.charCodeAt(j) !== 58) return 0;
    j++;
    const s = j;
    while (j < len && CLASS[text.charCodeAt(j)]! & C_URI) j++;
    return j > s ? j - i : 0;
  }

  /** Length of `<{PATH_CHAR}+(/{PATH_CHAR}+)*>` at `i`, or 0. */
  searchPathLength(i: number): number {
    const text = this.text;
    const len = this.len;
    let j = i + 1;
    for (;;) {
      const s = j;
      while (j < len && CLASS[text.charCodeAt(j)]! & C_PATH) j++;
      if (j === s) return 0;
      const d = text.charCodeAt(j);
      if (d === 62) return j + 1 - i;
      if (d !== 47) return 0;
      j++;
    }
  }

  // ---- paths after their first part -------------------------------------------------------

  lexInPath(i: number): number {
    const text = this.text;
    const len = this.len;
    if (i >= len) {
      if (this.state === S_INPATH_SLASH) return this.fail('path has a trailing slash', this.curB);
      // <<EOF>>: PATH_END with the rewound location, and the end of file after it.
      this.curB = this.prevB;
      this.curE = this.prevE;
      this.emit(T.T_PATH_END, this.curB, this.curE);
      this.pop();
      return i;
    }
    if (text.charCodeAt(i) === 36 && text.charCodeAt(i + 1) === 123) {
      this.replace(S_INPATH);
      return this.openAntiquote(i);
    }
    // {PATH}|{PATH_SEG}|{PATH_CHAR}+
    let j = i;
    while (j < len && CLASS[text.charCodeAt(j)]! & C_PATH) j++;
    let e = 0;
    if (text.charCodeAt(j) === 47) {
      const p = this.pathLength(i);
      e = p > 0 ? i + p : j + 1;
    } else if (j > i) e = j;
    if (e > 0) {
      this.match(i, e);
      this.emit(T.T_STR, i, e, text.slice(i, e));
      this.replace(text.charCodeAt(e - 1) === 47 ? S_INPATH_SLASH : S_INPATH);
      return e;
    }
    if (this.state === S_INPATH_SLASH) return this.fail('path has a trailing slash', i);
    // Any other character ends the path: PATH_END at the previous part's location, re-lex here.
    this.emit(T.T_PATH_END, this.curB, this.curE);
    this.pop();
    return i;
  }

  // ---- "strings" --------------------------------------------------------------------------

  lexString(i: number): number {
    const text = this.text;
    const len = this.len;
    if (i >= len) return this.eof();
    const c = text.charCodeAt(i);
    if (c === 34) {
      this.match(i, i + 1);
      this.emit(T.T_QUOTE, i, i + 1);
      this.pop();
      return i + 1;
    }
    if (c === 36 && text.charCodeAt(i + 1) === 123) {
      return this.openAntiquote(i);
    }
    // ([^$"\\]|\$[^{"\\]|\\{ANY}|\$\\{ANY})* with a final `$` allowed before `"`.
    let j = i;
    let plain = true; // no escapes, CRs or NULs: the value is the raw text
    while (j < len) {
      const d = text.charCodeAt(j);
      if (d === 34) break;
      if (d === 92) {
        if (j + 1 >= len) break;
        plain = false;
        j += 2;
      } else if (d === 36) {
        const n = text.charCodeAt(j + 1);
        if (j + 1 >= len || n === 123) break;
        if (n === 34) {
          j++;
          break;
        }
        if (n === 92) {
          if (j + 2 >= len) break;
          plain = false;
          j += 3;
        } else {
          if (n === 13 || n === 0) plain = false;
          j += 2;
        }
      } else {
        if (d === 13 || d === 0) plain = false;
        j++;
      }
    }
    if (j === i) {
      // A lone `$`, `\` or `$\` at the very end: upstream returns end-of-file for it.
      const n = text.charCodeAt(i) === 36 && text.charCodeAt(i + 1) === 92 ? 2 : 1;
      this.match(i, i + n);
      this.emit(T.T_EOF, i, i + n);
      return -1;
    }
    this.match(i, j);
    const raw = text.slice(i, j);
    const value = plain ? raw : unescapeString(raw);
    if (!plain && value.includes('\0')) return this.failNul(value, i);
    this.emit(T.T_STR, i, j, value);
    return j;
  }

  failNul(value: string, at: number): number {
    const shown = value.replaceAll('\0', '\xe2\x90\x80');
    return this.fail(`input string '${shown}' cannot be represented as Nix string because it contains null bytes`, at);
  }

  // ---- ''indented strings'' ------------------------------------------------------------------

  lexIndString(i: number): number {
    const text = this.text;
    const len = this.len;
    if (i >= len) return this.eof();
    const c = text.charCodeAt(i);
    if (c === 39 && text.charCodeAt(i + 1) === 39) {
      const n = text.charCodeAt(i + 2);
      if (n === 36) return this.indStr(i, 3, '$');
      if (n === 39) return this.indStr(i, 3, "''");
      if (n === 92 && i + 3 < len) {
        const v = unescapeString(text.slice(i + 2, i + 4));
        if (v.includes('\0')) {
          this.match(i, i + 4);
          return this.failNul(v, i);
        }
        return this.indStr(i, 4, v);
      }
      this.match(i, i + 2);
      this.emit(T.T_IND_STRING_CLOSE, i, i + 2);
      this.pop();
      return i + 2;
    }
    if (c === 36 && text.charCodeAt(i + 1) === 123) {
      return this.openAntiquote(i);
    }
    // ([^$']|\$[^{']|'[^'$])+
    let j = i;
    while (j < len) {
      const d = text.charCodeAt(j);
      if (d === 36 || d === 39) {
        if (j + 1 >= len) break;
        const n = text.charCodeAt(j + 1);
        if (d === 36 ? n === 123 || n === 39 : n === 39 || n === 36) break;
        j += 2;
      } else j++;
    }
    if (j === i) return this.indStr(i, 1, c === 36 ? '$' : "'");
    this.match(i, j);
    const raw = text.slice(i, j);
    if (raw.includes('\0')) return this.failNul(raw, i);
    this.emit(T.T_IND_STR, i, j, raw, 1);
    return j;
  }

  indStr(i: number, n: number, value: string): number {
    this.match(i, i + n);
    this.emit(T.T_IND_STR, i, i + n, value, 0);
    return i + n;
  }
}

/** upstream's `unescapeStr`: `\n \r \t`, `\x` → `x`, and CR or CR LF → LF. */
export function unescapeString(s: string): string {
  let out = '';
  let start = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      out += s.slice(start, i);
      const n = s[i + 1] ?? '';
      out += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
      i++;
      start = i + 1;
    } else if (c === 13) {
      out += s.slice(start, i) + '\n';
      if (s.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  return out + s.slice(start);
}
