/**
 * `__structuredAttrs`: the derivation's `__json` attribute becomes `.attrs.json` (with an
 * `outputs` object mapping output names to their paths) and `.attrs.sh` (bash `declare`s of
 * the attributes bash can represent). Nix: `prepareStructuredAttrs` and
 * `StructuredAttrs::writeShell`; the JSON is printed as nlohmann's `dump()` prints it —
 * object keys sorted by bytes, no spaces, only `"`, `\` and control characters escaped.
 *
 * Everything here is a byte string (one code unit per byte). Numbers keep their source text,
 * since `__json` itself was printed by Nix. `exportReferencesGraph` is not supported.
 */

import { FormatError } from '../errors.ts';
import { hashPlaceholder } from '../store/drv/output-paths.ts';

type Json = null | boolean | { num: string } | { str: string } | Json[] | Map<string, Json>;

export interface StructuredAttrsFiles {
  readonly json: string;
  readonly sh: string;
}

/** The two files Nix writes for a structured-attrs derivation. */
export function structuredAttrsFiles(json: string, outputs: readonly string[], rewrite: (s: string) => string): StructuredAttrsFiles {
  const root = new JsonParser(json).parseDocument();
  if (!(root instanceof Map)) throw new FormatError('E_STRUCTURED_ATTRS', "the '__json' attribute of the derivation is not a JSON object");
  const outs = new Map<string, Json>();
  // Placeholders, rewritten right away: the output paths are known when the builder starts.
  for (const o of [...outputs].sort()) outs.set(o, { str: rewrite(hashPlaceholder(o)) });
  root.set('outputs', outs);
  return { json: rewrite(dump(root)), sh: rewrite(shell(root)) };
}

/** nlohmann `dump()` with default arguments. */
function dump(v: Json): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (Array.isArray(v)) return '[' + v.map(dump).join(',') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + keys.map((k) => quote(k) + ':' + dump(v.get(k)!)).join(',') + '}';
  }
  return 'num' in v ? v.num : quote(v.str);
}

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

const SH_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Nix: `escapeShellArgAlways`. */
function shellQuote(s: string): string {
  return "'" + s.split("'").join("'\\''") + "'";
}

function simple(v: Json): string | undefined {
  if (v === null) return "''";
  if (v === true) return '1';
  if (v === false) return '';
  if (Array.isArray(v) || v instanceof Map) return undefined;
  if ('str' in v) return shellQuote(v.str);
  const f = Math.fround(Number(v.num));
  // Nix converts through float and prints integral values as int.
  return Math.ceil(f) === f ? String(Math.trunc(Number(v.num)) | 0) : undefined;
}

function shell(root: Map<string, Json>): string {
  let sh = '';
  const keys = [...root.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    if (!SH_VAR_NAME.test(key)) continue;
    const value = root.get(key)!;
    const s = simple(value);
    if (s !== undefined) sh += `declare ${key}=${s}\n`;
    else if (Array.isArray(value)) {
      const parts = value.map(simple);
      if (parts.every((p) => p !== undefined)) sh += `declare -a ${key}=(${parts.map((p) => p + ' ').join('')})\n`;
    } else if (value instanceof Map) {
      const ks = [...value.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const parts = ks.map((k) => [k, simple(value.get(k)!)] as const);
      if (parts.every(([, p]) => p !== undefined)) sh += `declare -A ${key}=(${parts.map(([k, p]) => `[${shellQuote(k)}]=${p} `).join('')})\n`;
    }
  }
  return sh;
}

/** A JSON parser over a byte string that keeps number lexemes and decodes `\u` escapes to UTF-8 bytes. */
class JsonParser {
  readonly #s: string;
  #i = 0;

  constructor(s: string) {
    this.#s = s;
  }

  parseDocument(): Json {
    const v = this.#value();
    this.#ws();
    if (this.#i !== this.#s.length) this.#fail('unexpected data after the JSON value');
    return v;
  }

  #fail(why: string, offset: number = this.#i): never {
    throw new FormatError('E_STRUCTURED_ATTRS', `cannot parse the '__json' attribute: ${why}`, { offset, whence: '__json' });
  }

  #ws(): void {
    while (this.#i < this.#s.length && ' \t\n\r'.includes(this.#s[this.#i]!)) this.#i++;
  }

  #value(): Json {
    this.#ws();
    const c = this.#s[this.#i];
    if (c === '{') return this.#object();
    if (c === '[') return this.#array();
    if (c === '"') return { str: this.#string() };
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.#s.startsWith(word, this.#i)) {
        this.#i += word.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.#s.slice(this.#i, this.#i + 64));
    if (!m) this.#fail('expected a value');
    this.#i += m[0].length;
    return { num: m[0] };
  }

  #object(): Map<string, Json> {
    const m = new Map<string, Json>();
    this.#i++;
    this.#ws();
    if (this.#s[this.#i] === '}') {
      this.#i++;
      return m;
    }
    for (;;) {
      this.#ws();
      if (this.#s[this.#i] !== '"') this.#fail('expected a string key');
      const k = this.#string();
      this.#ws();
      if (this.#s[this.#i++] !== ':') this.#fail("expected ':'");
      m.set(k, this.#value());
      this.#ws();
      const c = this.#s[this.#i++];
      if (c === '}') return m;
      if (c !== ',') this.#fail("expected ',' or '}'");
    }
  }

  #array(): Json[] {
    const a: Json[] = [];
    this.#i++;
    this.#ws();
    if (this.#s[this.#i] === ']') {
      this.#i++;
      return a;
    }
    for (;;) {
      a.push(this.#value());
      this.#ws();
      const c = this.#s[this.#i++];
      if (c === ']') return a;
      if (c !== ',') this.#fail("expected ',' or ']'");
    }
  }

  #string(): string {
    let out = '';
    this.#i++;
    for (;;) {
      if (this.#i >= this.#s.length) this.#fail('unterminated string');
      const c = this.#s[this.#i++]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const at = this.#i - 1;
      const e = this.#s[this.#i++];
      const simpleEsc: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simpleEsc) {
        out += simpleEsc[e];
        continue;
      }
      if (e !== 'u') this.#fail('invalid escape', at);
      let cp = this.#hex4();
      if (cp >= 0xd800 && cp < 0xdc00 && this.#s.startsWith('\\u', this.#i)) {
        this.#i += 2;
        const lo = this.#hex4();
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      out += Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
    }
  }

  #hex4(): number {
    const h = this.#s.slice(this.#i, this.#i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.#fail('invalid \\u escape');
    this.#i += 4;
    return parseInt(h, 16);
  }
}
