/**
 * The evaluator's fast paths agree with the general code they shortcut: `//` with one small
 * side (names placed by binary search), `sort lessThan` over plain ints or strings (the
 * engine's sort), checked against simple models with fast-check, plus the error cases that
 * must still take the general path.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { runInstantiate } from '../../../../cli/commands/instantiate.ts';

/** `tix instantiate --eval --strict -E expr` (or a file) in-process: stdout, or throws with stderr. */
function evalNix(expr: string, extra: string[] = [], isExpr = true): string {
  let out = '';
  let err = '';
  const code = runInstantiate(['--eval', '--strict', ...extra, ...(isExpr ? ['-E'] : []), expr], {
    stdout: (b) => (out += b),
    stderr: (b) => (err += b),
    env: { NIX_PATH: '', HOME: '/tmp/tix-no-home' },
    cwd: '/',
    readStdin: () => '',
  });
  if (code !== 0) throw new Error(err);
  return out.trimEnd();
}

const nixStr = (s: string): string => JSON.stringify(s).replaceAll('$', '\\$');
const setExpr = (entries: readonly (readonly [string, number])[]): string => `{ ${entries.map(([k, v]) => `${nixStr(k)} = ${v};`).join(' ')} }`;
const name = fc.stringMatching(/^[a-e]{1,3}$/);
const entries = (min: number, max: number) => fc.uniqueArray(fc.tuple(name, fc.integer({ min: -99, max: 99 })), { selector: ([k]) => k, minLength: min, maxLength: max });

describe('a // b', () => {
  it('has the names of both and the values of b, whichever side is small', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(entries(0, 3), entries(30, 60)), fc.tuple(entries(30, 60), entries(0, 3)), fc.tuple(entries(0, 20), entries(0, 20))), ([a, b]) => {
        const model = new Map<string, number>(a);
        for (const [k, v] of b) model.set(k, v);
        const keys = [...model.keys()].sort();
        const want = `[ [ ${keys.map(nixStr).join(' ')} ] [ ${keys.map((k) => model.get(k)).join(' ')} ] ]`;
        const got = evalNix(`let s = ${setExpr(a)} // ${setExpr(b)}; in [ (builtins.attrNames s) (builtins.attrValues s) ]`);
        assert.equal(got.replace(/\s+/g, ' '), want.replace(/\s+/g, ' '));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the position of the winning definition of a replaced name', () => {
    // Positions need a file (an -E string has none).
    const dir = mkdtempSync(join(tmpdir(), 'tix-fast-paths-'));
    try {
      const big = Array.from({ length: 40 }, (_, i) => `k${i} = ${i};`).join(' ');
      const file = join(dir, 'pos.nix');
      writeFileSync(
        file,
        `let a = { ${big} };\nb = { k7 = "new"; };\nline = n: s: (builtins.unsafeGetAttrPos n s).line;\n` +
          `in [ ((a // b).k7) (line "k7" (a // b)) (line "k8" (a // b)) (line "k7" (b // a)) (line "k9" (b // a)) ]\n`,
      );
      assert.equal(evalNix(file, [], false), '[ "new" 2 1 1 1 ]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds new names to a big set without positions (builtin results)', () => {
    const got = evalNix(`let a = builtins.listToAttrs (builtins.genList (i: { name = "n\${toString (i * 2)}"; value = i; }) 50);
in builtins.attrNames (a // { n3 = 0; n99 = 1; n0 = 2; }) == builtins.sort builtins.lessThan (builtins.attrNames a ++ [ "n3" "n99" ])`);
    assert.equal(got, 'true');
  });
});

describe('builtins.sort builtins.lessThan', () => {
  it('orders plain ints (int32, larger, bigint) as the general comparator does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 40 }), fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n })), { maxLength: 40 })), (xs) => {
        const want = [...xs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
        const lit = (x: number | bigint): string => (x < 0 ? `(${x})` : String(x));
        assert.equal(evalNix(`builtins.sort builtins.lessThan [ ${xs.map(lit).join(' ')} ]`).replace(/\s+/g, ' '), `[ ${want.map(String).join(' ')} ]`.replace(/\s+/g, ' '));
      }),
      { numRuns: 40 },
    );
  });

  it('orders plain strings by bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-cA-C~ ]{0,4}$/), { maxLength: 30 }), (xs) => {
        const want = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        assert.equal(evalNix(`builtins.sort builtins.lessThan [ ${xs.map(nixStr).join(' ')} ]`).replace(/\s+/g, ' '), `[ ${want.map(nixStr).join(' ')} ]`.replace(/\s+/g, ' '));
      }),
      { numRuns: 40 },
    );
  });

  it('still fails on a list that mixes types, as the general path does', () => {
    for (const list of ['[ 1 2 "three" 4 ]', '[ "a" "b" 3 ]', '[ 1 2 {} ]', '[ "a" ./x ]']) {
      assert.throws(() => evalNix(`builtins.sort builtins.lessThan ${list}`), /error: cannot compare (an integer|a string|a set|a path) with/);
    }
    assert.throws(() => evalNix('builtins.sort builtins.lessThan [ {} {} ]'), /cannot compare a set with a set; values of that type are incomparable/);
  });

  it('still sorts ints and floats together, and strings with context', () => {
    assert.equal(evalNix('builtins.sort builtins.lessThan [ 3 0.5 2 ]'), '[ 0.5 2 3 ]');
    assert.equal(evalNix('map builtins.unsafeDiscardStringContext (builtins.sort builtins.lessThan [ "z" "${builtins.toFile "x" "x"}" ])'), '[ "/nix/store/fl9d7p1wby9wxs70dy3zpr4n3xahlscd-x" "z" ]');
  });
});

describe('builtins.NAME resolved at compile time', () => {
  it('selects the same values as at run time', () => {
    assert.equal(evalNix('[ (builtins.map (x: x * 2) [ 1 2 ]) (builtins.builtins.length [ 1 ]) builtins.true (builtins.nope or "default") (builtins ? derivation) ]'), '[ [ 2 4 ] 1 true "default" true ]');
  });

  it('follows a shadowing binding of builtins', () => {
    assert.equal(evalNix('let builtins = { map = 1; }; in builtins.map'), '1');
    assert.equal(evalNix('(x: x.builtins.map) { builtins = { map = 2; }; }'), '2');
  });

  it('still reports a missing builtin as a missing attribute', () => {
    assert.throws(() => evalNix('builtins.nope'), /attribute 'nope' missing/);
  });
});

describe('o.${e} and o ? ${e} with one dynamic name', () => {
  it('select and test like the general path', () => {
    assert.equal(evalNix('let s = { a = 1; }; n = "a"; in [ (s.${n}) (s ? ${n}) (s ? ${"b"}) (1 ? ${n}) (s.${n} or 2) ]'), '[ 1 true false false 1 ]');
  });

  // Each case: the expression and lines its error output must contain (trace, then message).
  const failing: [string, RegExp[]][] = [
    ['let s = { a = 1; }; in s.${"b"}', [/while evaluating the attribute 'b'/, /error: attribute 'b' missing/]],
    ['let s = { a = 1; }; in s.${1}', [/while evaluating the attribute '"\$\{1\}"'/, /while evaluating an attribute name/, /expected a string but found an integer: 1/]],
    ['let s = { a = 1; }; in s.${throw "boom"}', [/while evaluating the attribute '"\$\{\(throw "boom"\)\}"'/, /error: boom/]],
    ['let s = 3; in s.${"a"}', [/while evaluating the attribute 'a'/, /expected a set but found an integer: 3/]],
    ['let s = { a = throw "inner"; }; in s.${"a"}', [/while evaluating the attribute 'a'/, /error: inner/]],
    ['let s = { a = 1; }; in s ? ${1}', [/while evaluating an attribute name/, /expected a string but found an integer: 1/]],
  ];
  for (const [expr, want] of failing) {
    it(`fails on ${expr} as the general path does`, () => {
      let err = '';
      try {
        evalNix(expr);
      } catch (e) {
        err = (e as Error).message;
      }
      for (const re of want) assert.match(err, re);
    });
  }
});

describe('a: b: body called with two arguments at once', () => {
  it('gives what applying one argument at a time gives', () => {
    assert.equal(
      evalNix(`let f = a: b: [ a b ]; g = f 1; in [ (f 1 2) (g 3) (builtins.foldl' (acc: x: acc * 10 + x) 0 [ 1 2 3 ]) (builtins.sort (a: b: a > b) [ 1 3 2 ]) (builtins.mapAttrs (n: v: n + v) { a = "x"; }) (builtins.zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; } ]) ]`),
      '[ [ 1 2 ] [ 1 3 ] 123 [ 3 2 1 ] { a = "ax"; } { a = [ 1 2 ]; } ]',
    );
  });

  it('keeps laziness of both arguments', () => {
    assert.equal(evalNix('let f = a: b: 1; in f (throw "a") (throw "b")'), '1');
  });

  it('reports errors in the body with the same traces, with and without --show-trace', () => {
    const expr = `let f = a: b: throw "t\${toString a}\${toString b}"; in builtins.foldl' f 0 [ 1 ]`;
    for (const flags of [[], ['--show-trace']]) {
      let err = '';
      try {
        evalNix(expr, flags);
      } catch (e) {
        err = (e as Error).message;
      }
      assert.match(err, /error: t01/);
      assert.match(err, /while calling the 'foldl'' builtin/);
      if (flags.length > 0) assert.match(err, /while calling 'f'/);
    }
  });
});

describe('a + b compiled once per operand', () => {
  it('evaluates a right-nested chain 40 deep (the second operand used to be compiled twice per level)', () => {
    const chain = Array.from({ length: 40 }, () => 'x').join(' + (') + ')'.repeat(39);
    assert.equal(evalNix(`let x = 1; in ${chain}`), '40');
  });

  it('still coerces a set on the left before evaluating the right operand', () => {
    let err = '';
    const out = evalNix('(builtins.trace "L" { __toString = s: builtins.trace "coerce" "a"; }) + (builtins.trace "R" "b")');
    assert.equal(out, '"ab"');
    try {
      evalNix('{ __toString = s: throw "left first"; } + (throw "right")');
    } catch (e) {
      err = (e as Error).message;
    }
    assert.match(err, /error: left first/);
  });
});

describe('builtins.replaceStrings on a big string (written into a byte buffer)', () => {
  /** Upstream's scan: at each position the first listed pattern that matches, else the byte itself. */
  const model = (from: string[], to: string[], s: string): string => {
    let out = '';
    for (let p = 0; p < s.length; ) {
      const j = from.findIndex((f) => s.startsWith(f, p));
      if (j < 0) out += s[p++];
      else {
        out += to[j];
        p += from[j]!.length;
      }
    }
    return out;
  };
  const pat = fc.stringMatching(/^[abc]{1,3}$/);

  it('replaces as upstream scans: leftmost match, then the pattern listed first', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[abcd]{1,40}$/), fc.array(fc.tuple(pat, fc.stringMatching(/^[xyz]{0,4}$/)), { minLength: 1, maxLength: 4 }), (unit, pairs) => {
        // Over 4096 bytes: the big-string path.
        const s = unit.repeat(Math.ceil(5000 / unit.length));
        const from = pairs.map(([f]) => f);
        const to = pairs.map(([, t]) => t);
        const got = evalNix(`builtins.replaceStrings [ ${from.map(nixStr).join(' ')} ] [ ${to.map(nixStr).join(' ')} ] ${nixStr(s)}`);
        assert.equal(got, nixStr(model(from, to, s)));
      }),
      { numRuns: 30 },
    );
  });

  it('forces only the replacements whose pattern matches, and keeps the context of the input', () => {
    const big = 'ab'.repeat(3000);
    assert.equal(evalNix(`builtins.stringLength (builtins.replaceStrings [ "a" "zz" ] [ "long-a" (throw "unused") ] "${big}")`), String(3000 * 7));
    assert.equal(evalNix(`builtins.replaceStrings [ "q" ] [ "r" ] "${big}" == "${big}"`), 'true');
    const ctx = evalNix(`builtins.attrNames (builtins.getContext (builtins.replaceStrings [ "a" ] [ "b" ] ("${big}" + builtins.toFile "x" "x")))`);
    assert.equal(ctx, '[ "/nix/store/fl9d7p1wby9wxs70dy3zpr4n3xahlscd-x" ]');
  });
});

describe('map and genList elements (thunks that read their position off the function)', () => {
  it('report the function as the call site when forced deeply, pending or in a cycle', () => {
    const trace = (expr: string): string => {
      try {
        evalNix(expr, ['--show-trace']);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    for (const expr of ['let f = x: if x == 2 then throw "two" else x; in builtins.genList f 3', 'let f = x: if x == 2 then throw "two" else x; in map f [ 1 2 3 ]']) {
      assert.match(trace(expr), /from call site\n\s+at \S*string\S*:1:9:/);
    }
    assert.match(trace('let l = builtins.genList (i: builtins.elemAt l i) 3; in l'), /entering the infinite recursion\n\n\s+\S+ from call site\n\s+at \S*string\S*:1:27:/);
    assert.equal(evalNix('let f = { __functor = self: x: x + 1; }; in [ (map f [ 1 ]) (builtins.genList f 2) ]'), '[ [ 2 ] [ 1 2 ] ]');
  });
});

describe('a / b on two number ints', () => {
  it('truncates towards zero as int64 division does', () => {
    const safe = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), fc.integer().map((x) => x * 1_000_003));
    fc.assert(
      fc.property(fc.array(fc.tuple(safe, safe.filter((x) => x !== 0)), { minLength: 1, maxLength: 20 }), (pairs) => {
        const lit = (x: number): string => (x < 0 ? `(${x})` : String(x));
        const want = pairs.map(([a, b]) => String(BigInt(a) / BigInt(b)));
        assert.equal(evalNix(`[ ${pairs.map(([a, b]) => `(${lit(a)} / ${lit(b)})`).join(' ')} ]`).replace(/\s+/g, ' '), `[ ${want.join(' ')} ]`);
      }),
      { numRuns: 30 },
    );
  });
});

describe('interpolated strings of 13 to 512 bytes (made flat)', () => {
  it('keep every byte, leading and trailing whitespace and non-ASCII included', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[ \t\na-z\xa0é]{0,40}$/), { minLength: 1, maxLength: 6 }), (parts) => {
        const lets = parts.map((p, i) => `p${i} = ${nixStr(p)};`).join(' ');
        const interp = parts.map((_, i) => `\${p${i}}`).join('');
        const got = evalNix(`let ${lets} in [ "${interp}" "<${interp}>" (builtins.stringLength "${interp}") ]`);
        const s = parts.join('');
        // The output is bytes (one char each); the expected text is UTF-8 read the same way.
        const bytes = (x: string): string => Buffer.from(x, 'utf8').toString('latin1');
        assert.equal(got, bytes(`[ ${nixStr(s)} ${nixStr(`<${s}>`)} ${Buffer.byteLength(s)} ]`));
      }),
      { numRuns: 40 },
    );
  });
});

describe('a lambda in a lazy position (built at once, wrapped in a thunk)', () => {
  /** Non-strict `tix instantiate --eval`, as the corpus runs it. */
  const lazy = (expr: string): string => {
    let out = '';
    const code = runInstantiate(['--eval', '-E', expr], { stdout: (b) => (out += b), stderr: () => {}, env: { NIX_PATH: '', HOME: '/tmp/tix-no-home' }, cwd: '/', readStdin: () => '' });
    assert.equal(code, 0);
    return out.trimEnd();
  };
  const cases: [string, string][] = [
    ['{ f = x: x; }', '{ f = <CODE>; }'],
    ['let s = { f = x: x; g = x: x; }; in builtins.seq s.f s', '{ f = <LAMBDA>; g = <CODE>; }'],
    ['let f = x: x; l = [ f (y: y) ]; in builtins.seq (builtins.elemAt l 0) l', '[ <LAMBDA> <CODE> ]'],
    ['let f = x: x; in { a = f; }', '{ a = <CODE>; }'],
  ];
  for (const [expr, want] of cases) {
    it(`prints ${expr} as Nix does (<CODE> until forced)`, () => assert.equal(lazy(expr), want));
  }

  it('still names a lambda bound to a dynamic attribute, and calls in place through mapAttrs', () => {
    let err = '';
    try {
      evalNix('let n = "fff"; s = { ${n} = x: throw "boom"; }; in s.fff 1', ['--show-trace']);
    } catch (e) {
      err = (e as Error).message;
    }
    assert.match(err, /while calling 'fff'/);
    assert.equal(evalNix('builtins.mapAttrs (n: v: n + v) { a = "x"; }'), '{ a = "ax"; }');
  });
});
