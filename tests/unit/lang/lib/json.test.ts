import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mkFloat, type PlainValue, utf8ByteString } from '../../../../src/lang/lib/data.ts';
import { fromJSON, jsonQuote, toJSON } from '../../../../src/lang/lib/json.ts';

const VALUES: [text: string, want: PlainValue][] = [
  ['1', 1],
  ['-0', 0],
  ['1.0', mkFloat(1)],
  ['1e2', mkFloat(100)],
  ['-0.0', mkFloat(-0)],
  ['9223372036854775807', 9223372036854775807n],
  ['-9223372036854775808', -9223372036854775808n],
  ['-9223372036854775809', mkFloat(-9223372036854775809)], // beyond int64: strtoll fails, a float
  ['18446744073709551616', mkFloat(18446744073709551616)], // beyond uint64: a float
  ['9007199254740993', 9007199254740993n],
  ['true', true],
  ['null', null],
  ['"a\\"\\\\\\/\\b\\f\\n\\r\\t"', 'a"\\/\b\f\n\r\t'],
  ['"\\u00e9\\ud83d\\ude00"', utf8ByteString('é😀')],
  ['"\xc3\xa9"', '\xc3\xa9'],
  [' [1, [], {}, [[2]]] ', [1, [], new Map(), [[2]]]],
  ['{"a":1,"a":2}', new Map([['a', 2]])],
  ['{"__proto__":1}', new Map([['__proto__', 1]])],
  ['\xef\xbb\xbf{}', new Map()],
];

// Messages as nlohmann::json 3.11 / upstream Nix print them.
const ERRORS: [text: string, message: string][] = [
  ['tru', "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing value - invalid literal; last read: 'tru'"],
  ['', "[json.exception.parse_error.101] parse error at line 1, column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal"],
  ['[1,2', "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while parsing array - unexpected end of input; expected ']'"],
  ['01', '[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing value - unexpected number literal; expected end of input'],
  ['"\\uDC00"', "[json.exception.parse_error.101] parse error at line 1, column 7: syntax error while parsing value - invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF; last read: '\"\\uDC00'"],
  ['{"a" 1}', "[json.exception.parse_error.101] parse error at line 1, column 6: syntax error while parsing object separator - unexpected number literal; expected ':'"],
  ['[1, tru', "[json.exception.parse_error.101] parse error at line 1, column 8: syntax error while parsing value - invalid literal; last read: '1, tru'"],
  ['"a\nb"', "[json.exception.parse_error.101] parse error at line 2, column 0: syntax error while parsing value - invalid string: control character U+000A (LF) must be escaped to \\u000A or \\n; last read: '\"a<U+000A>'"],
  ['"\xff"', "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing value - invalid string: ill-formed UTF-8 byte; last read: '\"\xff'"],
  ['1e400', "[json.exception.out_of_range.406] number overflow parsing '1e400'"],
  ['{"attr": 18446744073709551615}', 'unsigned json number 18446744073709551615 outside of Nix integer range'],
  ['"a\\u0000b"', "input string 'a\xe2\x90\x80b' cannot be represented as Nix string because it contains null bytes"],
  ['{"a\\u0000b" 1}', "input string 'a\xe2\x90\x80b' cannot be represented as Nix string because it contains null bytes"],
];

describe('fromJSON()', () => {
  for (const [text, want] of VALUES) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(fromJSON(text), want));
  }
  for (const [text, message] of ERRORS) {
    it(`rejects ${JSON.stringify(text)} with nlohmann's or Nix's message`, () => assert.throws(() => fromJSON(text), { message }));
  }
  it('parses nesting far deeper than the JavaScript stack allows', () => {
    const n = 200000;
    let v = fromJSON(`${'['.repeat(n)}${']'.repeat(n)}`);
    let depth = 0;
    while (Array.isArray(v) && v.length === 1) {
      v = v[0]!;
      depth++;
    }
    assert.equal(depth, n - 1);
  });
});

describe('jsonQuote()', () => {
  it('escapes like nlohmann: short escapes, \\u00xx for other controls, UTF-8 raw', () => {
    assert.equal(jsonQuote('a"\\\b\f\n\r\t\x01\x7f/\xc3\xa9'), '"a\\"\\\\\\b\\f\\n\\r\\t\\u0001\x7f/\xc3\xa9"');
  });
  for (const [s, detail] of [
    ['_invalid UTF-8: \xff_', 'invalid UTF-8 byte at index 16: 0xFF'],
    ['a\xc3(', 'invalid UTF-8 byte at index 2: 0x28'],
    ['\xe0\x80\x80', 'invalid UTF-8 byte at index 1: 0x80'],
    ['\xed\xa0\x80', 'invalid UTF-8 byte at index 1: 0xA0'],
    ['ab\xe2\x82', 'incomplete UTF-8 string; last byte: 0x82'],
  ] as const) {
    it(`rejects ${JSON.stringify(s)}`, () =>
      assert.throws(() => jsonQuote(s), { code: 'E_JSON_UTF8', message: `JSON serialization error: [json.exception.type_error.316] ${detail}` }));
  }
});

describe('toJSON()', () => {
  it('prints like upstream builtins.toJSON', () => {
    const v = new Map<string, PlainValue>([
      ['b', [1, mkFloat(1.44), mkFloat(1), mkFloat(1e21), null, true]],
      ['a', 'x\n'],
      ['\xc3\xa9', new Map()],
    ]);
    assert.equal(toJSON(v), '{"a":"x\\n","b":[1,1.44,1.0,1e+21,null,true],"\xc3\xa9":{}}');
  });

  it('round-trips through fromJSON', () => {
    const key = fc.string({ unit: fc.constantFrom('a', 'b', '\n', '"', '\xc3\xa9', '\\') });
    const leaf = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.maxSafeInteger(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => b < -(2n ** 53n) || b > 2n ** 53n),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(mkFloat),
      key,
    );
    const value = fc.letrec<{ v: PlainValue }>((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.array(fc.tuple(key, tie('v')), { maxLength: 4 }).map((es) => new Map(es))),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const back = fromJSON(toJSON(v));
        // A float that is integral prints as `1.0` and parses back as a float: exact round trip.
        assert.equal(toJSON(back), toJSON(v));
      }),
      { numRuns: 500 },
    );
  });
});
