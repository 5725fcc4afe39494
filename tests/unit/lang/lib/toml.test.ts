import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { mkFloat, type PlainValue } from '../../../../src/lang/lib/data.ts';
import { fromTOML, NixTomlError } from '../../../../src/lang/lib/toml.ts';
import { TOML_INVALID, TOML_VALID } from '../../../differential/lang-lib/toml-cases.ts';

const attrs = (o: Record<string, PlainValue>): Map<string, PlainValue> => new Map(Object.entries(o));
const ts = (value: string): Map<string, PlainValue> => attrs({ _type: 'timestamp', value });

const VALUES: [doc: string, want: PlainValue][] = [
  ['a = 1\nb = -0', attrs({ a: 1, b: 0 })],
  ['n = 9223372036854775807', attrs({ n: 9223372036854775807n })],
  ['n = -9223372036854775808', attrs({ n: -9223372036854775808n })],
  ['h = 0xff\no = 0o17\nb = 0b11\nu = 1_000', attrs({ h: 255, o: 15, b: 3, u: 1000 })],
  ['f = 1.0\ng = 1e2\nz = -0.0', attrs({ f: mkFloat(1), g: mkFloat(100), z: mkFloat(-0) })],
  ['i = -inf', attrs({ i: mkFloat(-Infinity) })],
  ['s = "\\u00e9"', attrs({ s: '\xc3\xa9' })],
  ['s = """\na\\\n   b"""', attrs({ s: 'ab' })],
  ["s = '''x''''", attrs({ s: "x'" })],
  ['a.b.c = 1\n[x]\ny = [ { z = true } ]', attrs({ a: attrs({ b: attrs({ c: 1 }) }), x: attrs({ y: [attrs({ z: true })] }) })],
  ['[[t]]\na = 1\n[[t]]\n[t.sub]\nb = 2', attrs({ t: [attrs({ a: 1 }), attrs({ sub: attrs({ b: 2 }) })] })],
  ['__proto__ = 1', new Map([['__proto__', 1]])],
];

describe('fromTOML()', () => {
  for (const [doc, want] of VALUES) {
    it(`parses ${JSON.stringify(doc)}`, () => assert.deepEqual(fromTOML(doc), want));
  }

  it('returns arrays of tables as plain arrays', () => {
    const v = fromTOML('[[a]]\n[[a]]').get('a');
    assert.equal(Object.getPrototypeOf(v), Array.prototype);
  });

  it('accepts every shared valid document', () => {
    for (const doc of TOML_VALID) fromTOML(Buffer.from(doc, 'utf8').toString('latin1'));
  });

  it('rejects every shared malformed document with a NixTomlError', () => {
    for (const doc of TOML_INVALID) {
      assert.throws(() => fromTOML(Buffer.from(doc, 'utf8').toString('latin1')), NixTomlError, JSON.stringify(doc));
    }
  });

  it('rejects redefining a dotted-key table with a header (TOML 1.0; Nix 2.8 accepts it)', () => {
    assert.throws(() => fromTOML('[fruit]\napple.color = "red"\n[fruit.apple]'), { code: 'E_TOML_DUPLICATE', line: 3 });
  });
});

describe('fromTOML() dates and times', () => {
  it('fails as Nix does without parse-toml-timestamps', () => {
    assert.throws(() => fromTOML('d = 1979-05-27'), { code: 'E_TOML_TIMESTAMP', message: 'while parsing TOML: Dates and times are not supported' });
  });

  const CASES: [toml: string, printed: string][] = [
    ['1979-05-27T07:32:00Z', '1979-05-27T07:32:00Z'],
    ['1979-05-27 07:32:00+00:00', '1979-05-27T07:32:00Z'],
    ['1979-05-27t00:32:00.5-07:00', '1979-05-27T00:32:00.500-07:00'],
    ['1979-05-27T00:32:00.999999', '1979-05-27T00:32:00.999999'],
    ['1979-05-27T00:32:00.1234', '1979-05-27T00:32:00.123400'],
    ['1979-05-27', '1979-05-27'],
    ['07:32:00.000', '07:32:00'],
    ['00:32:00.1234567891', '00:32:00.123456789'],
    ['2000-02-29', '2000-02-29'],
  ];
  for (const [toml, printed] of CASES) {
    it(`prints ${toml} as ${printed} with parse-toml-timestamps`, () => {
      assert.deepEqual(fromTOML(`d = ${toml}`, { timestamps: true }), attrs({ d: ts(printed) }));
    });
  }

  for (const bad of ['1979-13-01', '1979-02-30', '1900-02-29', '24:00:00', '07:60:00', '07:32:00Z']) {
    it(`rejects the invalid date or time ${bad}`, () => {
      assert.throws(() => fromTOML(`d = ${bad}`, { timestamps: true }), { code: 'E_TOML_SYNTAX', line: 1 });
    });
  }
});

describe('fromTOML() errors', () => {
  it('reports int64 overflow as upstream Nix (toml11 v4) does', () => {
    assert.throws(() => fromTOML('attr = 9223372036854775808'), {
      code: 'E_TOML_RANGE',
      message:
        'while parsing TOML: [error] toml::parse_dec_integer: too large integer: current max digits = 2^63\n --> fromTOML\n   |\n 1 | attr = 9223372036854775808\n   |                           ^-- must be < 2^63\n',
    });
    assert.throws(() => fromTOML('attr = -9223372036854775809'), { code: 'E_TOML_RANGE' });
    assert.throws(() => fromTOML('attr = 0x8000000000000000'), { code: 'E_TOML_RANGE' });
  });

  it('rejects NUL bytes in keys and values with Nix\'s message', () => {
    const msg = "while parsing TOML: error: input string 'a\xe2\x90\x80b' cannot be represented as Nix string because it contains null bytes";
    assert.throws(() => fromTOML('"a\\u0000b" = 1'), { code: 'E_TOML_NUL', message: msg });
    assert.throws(() => fromTOML('k = "a\\u0000b"'), { code: 'E_TOML_NUL', message: msg });
  });

  // [document, code, line, column] — one violation each.
  const LOCATED: [string, string, number, number][] = [
    ['a = 1\nb = 2\na = 3', 'E_TOML_DUPLICATE', 3, 1],
    ['[t]\nx = 1\n[t]', 'E_TOML_DUPLICATE', 3, 1],
    ['t = { a = 1 }\nt.b = 2', 'E_TOML_DUPLICATE', 2, 1],
    ['x = 1\ny = 01', 'E_TOML_SYNTAX', 2, 6],
    ['x = 1\n  y = 1__0', 'E_TOML_SYNTAX', 2, 8],
    ['a = 1 b = 2', 'E_TOML_SYNTAX', 1, 7],
    ['a = "x\\q"', 'E_TOML_SYNTAX', 1, 7],
    ['a = "ctl\x01"', 'E_TOML_SYNTAX', 1, 9],
    ['\n\na = "open', 'E_TOML_SYNTAX', 3, 5],
    ['a = 1.', 'E_TOML_SYNTAX', 1, 7],
    ['a = tru', 'E_TOML_SYNTAX', 1, 5],
    ['a = -0x1', 'E_TOML_SYNTAX', 1, 7],
    ['a = "\xff"', 'E_TOML_SYNTAX', 1, 6],
    ['[a\n', 'E_TOML_SYNTAX', 1, 3],
  ];
  for (const [doc, code, line, column] of LOCATED) {
    it(`reports ${JSON.stringify(doc)} as ${code} at ${line}:${column}`, () => {
      assert.throws(() => fromTOML(doc), (e: unknown) => {
        assert.ok(e instanceof NixTomlError);
        assert.deepEqual([e.code, e.line, e.column], [code, line, column]);
        assert.match(e.message, /^while parsing TOML: \[error\] .*\n --> fromTOML\n/);
        return true;
      });
    });
  }
});
