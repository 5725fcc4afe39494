import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatFloatFixed, formatFloatJson, formatFloatNix } from '../../../../src/lang/lib/float-format.ts';

// [value, ostream << (nix-instantiate), std::to_string (toString), nlohmann dump (toJSON)],
// as glibc and nlohmann::json 3.11 print them.
const TABLE: [number, string, string, string][] = [
  [0, '0', '0.000000', '0.0'],
  [-0, '-0', '-0.000000', '-0.0'],
  [1, '1', '1.000000', '1.0'],
  [0.1, '0.1', '0.100000', '0.1'],
  [1.5, '1.5', '1.500000', '1.5'],
  [1.5e10, '1.5e+10', '15000000000.000000', '15000000000.0'],
  [123456789, '1.23457e+08', '123456789.000000', '123456789.0'],
  [1 / 3, '0.333333', '0.333333', '0.3333333333333333'],
  [-2.5e-7, '-2.5e-07', '-0.000000', '-2.5e-07'],
  [1e-5, '1e-05', '0.000010', '1e-05'],
  [0.0001234, '0.0001234', '0.000123', '0.0001234'],
  [1e15, '1e+15', '1000000000000000.000000', '1e+15'],
  [1e16, '1e+16', '10000000000000000.000000', '1e+16'],
  [123456789012345, '1.23457e+14', '123456789012345.000000', '123456789012345.0'],
  [1234565, '1.23456e+06', '1234565.000000', '1234565.0'], // ties go to even
  [0.5, '0.5', '0.500000', '0.5'],
  [5e-324, '4.94066e-324', '0.000000', '5e-324'],
  [1.7976931348623157e308, '1.79769e+308', `${'179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368'}.000000`, '1.7976931348623157e+308'],
  [Infinity, 'inf', 'inf', 'null'],
  [-Infinity, '-inf', '-inf', 'null'],
  [NaN, 'nan', 'nan', 'null'],
];

describe('float formatting', () => {
  for (const [x, nix, fixed, json] of TABLE) {
    it(`prints ${x} as ${nix} / ${fixed} / ${json}`, () => {
      assert.equal(formatFloatNix(x), nix);
      assert.equal(formatFloatFixed(x), fixed);
      assert.equal(formatFloatJson(x), json);
    });
  }
  it('prints JSON floats that read back to the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        assert.ok(Object.is(Number(formatFloatJson(x)), x));
      }),
      { numRuns: 5000 },
    );
  });
  it('agrees with JavaScript on the value of every %g and %f rendering', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }), (x) => {
        assert.ok(Number(formatFloatNix(x)) === Number(x.toPrecision(6)));
        // Rounding to 6 decimals is off by at most 5e-7; reading the text back adds up to a few
        // units in the last place of x, which exceed 5e-7 once |x| passes ~2e9.
        assert.ok(Math.abs(Number(formatFloatFixed(x)) - x) <= 5e-7 + Math.abs(x) * Number.EPSILON * 4);
      }),
      { numRuns: 3000 },
    );
  });
});
