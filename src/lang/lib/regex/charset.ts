/**
 * Character sets of bracket expressions, as libstdc++'s `_BracketMatcher` decides them for
 * `char` in the classic "C" locale, precomputed as a 256-entry table indexed by byte.
 *
 * Quirks kept from libstdc++ (they are what Nix does):
 * - `char` is signed: a range compares bytes as -128..127, so `[a-\xff]` is an invalid
 *   range and `[\x80-\xff]` is fine.
 * - Classes are ASCII-only (C locale); `[:w:]`, `[:d:]`, `[:s:]` exist; names are
 *   case-insensitive (`[:ALPHA:]`).
 * - `[.name.]` takes the POSIX names of ASCII characters (`[.space.]`, `[.hyphen.]`, `[.a.]`).
 * - `[=x=]` matches the characters whose lower-case form equals x's (`[=a=]` matches `A`).
 */

import { RegexSyntaxError } from './errors.ts';

export type ByteTable = Uint8Array; // 256 entries, 1 = member

const C = {
  upper: (c: number) => c >= 0x41 && c <= 0x5a,
  lower: (c: number) => c >= 0x61 && c <= 0x7a,
  digit: (c: number) => c >= 0x30 && c <= 0x39,
  space: (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  blank: (c: number) => c === 0x20 || c === 0x09,
  cntrl: (c: number) => c < 0x20 || c === 0x7f,
  graph: (c: number) => c > 0x20 && c < 0x7f,
  print: (c: number) => c >= 0x20 && c < 0x7f,
  xdigit: (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};
const alpha = (c: number): boolean => C.upper(c) || C.lower(c);
const alnum = (c: number): boolean => alpha(c) || C.digit(c);

/** libstdc++ `regex_traits::lookup_classname` (icase off), as predicates on unsigned bytes. */
const CLASSES: Record<string, (c: number) => boolean> = {
  d: C.digit,
  w: (c) => alnum(c) || c === 0x5f,
  s: C.space,
  alnum,
  alpha,
  blank: C.blank,
  cntrl: C.cntrl,
  digit: C.digit,
  graph: C.graph,
  lower: C.lower,
  print: C.print,
  punct: (c) => C.graph(c) && !alnum(c),
  space: C.space,
  upper: C.upper,
  xdigit: C.xdigit,
};

/** POSIX names of the ASCII characters, indexed by code (regex_traits::lookup_collatename). */
const COLLATE_NAMES = [
  'NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'alert', 'backspace', 'tab', 'newline', 'vertical-tab',
  'form-feed', 'carriage-return', 'SO', 'SI', 'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN',
  'EM', 'SUB', 'ESC', 'IS4', 'IS3', 'IS2', 'IS1', 'space', 'exclamation-mark', 'quotation-mark', 'number-sign',
  'dollar-sign', 'percent-sign', 'ampersand', 'apostrophe', 'left-parenthesis', 'right-parenthesis', 'asterisk',
  'plus-sign', 'comma', 'hyphen', 'period', 'slash', 'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven',
  'eight', 'nine', 'colon', 'semicolon', 'less-than-sign', 'equals-sign', 'greater-than-sign', 'question-mark',
  'commercial-at', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'left-square-bracket', 'backslash', 'right-square-bracket',
  'circumflex', 'underscore', 'grave-accent', ...'abcdefghijklmnopqrstuvwxyz', 'left-curly-bracket',
  'vertical-line', 'right-curly-bracket', 'tilde', 'DEL',
];

/** The byte a collating-element name stands for. */
export function lookupCollateName(name: string): number {
  const i = COLLATE_NAMES.indexOf(name);
  if (i < 0) throw new RegexSyntaxError(`unknown collating element '${name}'`);
  return i;
}

function lookupClass(name: string): (c: number) => boolean {
  const f = Object.hasOwn(CLASSES, name.toLowerCase()) ? CLASSES[name.toLowerCase()] : undefined;
  if (!f) throw new RegexSyntaxError(`unknown character class '${name}'`);
  return f;
}

const signed = (c: number): number => (c >= 128 ? c - 256 : c);
const toLower = (c: number): number => (C.upper(c) ? c + 32 : c);

/** The pieces of one bracket expression, gathered while parsing it. */
export class BracketBuilder {
  readonly negated: boolean;
  readonly #chars: number[] = [];
  readonly #ranges: [number, number][] = [];
  readonly #classes: ((c: number) => boolean)[] = [];
  readonly #equiv: number[] = [];

  constructor(negated: boolean) {
    this.negated = negated;
  }

  addChar(c: number): void {
    this.#chars.push(c);
  }

  /** A range; bounds compare as signed chars, as in libstdc++. */
  addRange(lo: number, hi: number): void {
    if (signed(lo) > signed(hi)) throw new RegexSyntaxError('invalid range in bracket expression');
    this.#ranges.push([signed(lo), signed(hi)]);
  }

  addClass(name: string): void {
    this.#classes.push(lookupClass(name));
  }

  addEquivalence(name: string): void {
    this.#equiv.push(toLower(lookupCollateName(name)));
  }

  /** The table of matching bytes. */
  build(): ByteTable {
    const t = new Uint8Array(256);
    for (let c = 0; c < 256; c++) {
      const s = signed(c);
      let m = this.#chars.includes(c);
      for (let i = 0; !m && i < this.#ranges.length; i++) m = this.#ranges[i]![0] <= s && s <= this.#ranges[i]![1];
      for (let i = 0; !m && i < this.#classes.length; i++) m = this.#classes[i]!(c);
      if (!m) m = this.#equiv.includes(toLower(c));
      t[c] = m !== this.negated ? 1 : 0;
    }
    return t;
  }
}

/** The table of a single ordinary character. */
export function charTable(c: number): ByteTable {
  const t = new Uint8Array(256);
  t[c] = 1;
  return t;
}

/** The table of `.`: any byte but NUL (libstdc++'s POSIX `_AnyMatcher`). */
export function anyTable(): ByteTable {
  const t = new Uint8Array(256).fill(1);
  t[0] = 0;
  return t;
}
