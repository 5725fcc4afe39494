/**
 * parse(): desugarings and precedence (pinned through upstream's `--parse` printing), AST
 * shapes and positions, and errors with their text and position (acorn-style tables).
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Expr, ExprAttrs, ExprLambda } from '../../../src/lang/ast.ts';
import { parse } from '../../../src/lang/parse.ts';
import { showExpr } from '../../../src/lang/print/parse-print.ts';
import { Source } from '../../../src/lang/source.ts';
import { NixSyntaxError } from '../../../src/lang/syntax-error.ts';

const opts = { basePath: '/base', home: '/home/u' };
const p = (text: string, o: object = {}): Expr => parse(new Source({ kind: 'string' }, text), { ...opts, ...o }).root;

/** [input, upstream's --parse output] */
const test: [string, string][] = [
  ['1 + 2 * 3', '(1 + (__mul 2 3))'],
  ['1 - 2 - 3', '(__sub (__sub 1 2) 3)'],
  ['-1', '(__sub 0 1)'],
  ['-a * b', '(__mul (__sub 0 a) b)'],
  ['- f x', '(__sub 0 (f x))'],
  ['a - -b', '(__sub a (__sub 0 b))'],
  ['!a == b', '((! a) == b)'],
  ['!a + b', '(! (a + b))'],
  ['!a // b', '((! a) // b)'],
  ['a < b', '(__lessThan a b)'],
  ['a > b', '(__lessThan b a)'],
  ['a <= b', '(! (__lessThan b a))'],
  ['a >= b', '(! (__lessThan a b))'],
  ['a == b < c', '(a == (__lessThan b c))'],
  ['a -> b -> c', '(a -> (b -> c))'],
  ['a || b && c', '(a || (b && c))'],
  ['a // b // c', '(a // (b // c))'],
  ['a ++ b ++ c', '(a ++ (b ++ c))'],
  ['a + b ? c', '(a + ((b) ? c))'],
  ['a ? b ? c', '((((a) ? b)) ? c)'],
  ['-a ? b', '(((__sub 0 a)) ? b)'],
  ['a ? b.${c}."d e"', '((a) ? b."${c}"."d e")'],
  ['f a b', '(f a b)'],
  ['(f a) b', '(f a b)'],
  ['(a - b) c', '(__sub a b c)'],
  ['a.b.c', '(a).b.c'],
  ['a.b or c d', '((a).b or (c) d)'],
  ['a.${"b"}', '(a).b'],
  ['f or', '(f or)'],
  ['[ f or ]', '[ ((f or)) ]'],
  ['{ or = 1; }.or', '({ or = 1; }).or'],
  ['x: y: x', '(x: (y: x))'],
  ['{ b, a ? 1, ... }: a', '({ a ? 1, b, ... }: a)'],
  ['args@{ a }: a', '({ a } @ args: a)'],
  ['{ a }@args: a', '({ a } @ args: a)'],
  ['{ }: 1', '({  }: 1)'],
  ['{ ... }: 1', '({ ... }: 1)'],
  ['{ a, }: a', '({ a }: a)'],
  ['{ }', '{ }'],
  ['{ a.b = 1; a.c = 2; }', '{ a = { b = 1; c = 2; }; }'],
  ['{ a = { b = 1; }; a.c = 2; }', '{ a = { b = 1; c = 2; }; }'],
  ['{ a.c = 2; a = { b = 1; }; }', '{ a = { b = 1; c = 2; }; }'],
  ['{ a = { x = 1; }; a = { y = 2; }; }', '{ a = { x = 1; y = 2; }; }'],
  ['{ "a b" = 1; "${x}" = 2; ${y} = 3; ${"z"} = 4; "" = 5; "if" = 6; }', '{ "" = 5; "a b" = 1; "if" = 6; z = 4; "${(x)}" = 2; "${y}" = 3; }'],
  ['{ inherit b a; inherit (c) e d; inherit (f) g; x = 1; }', '{ inherit a b; inherit (c) d e; inherit (f) g; x = 1; }'],
  ['{ a = { inherit (x) p; }; a = { inherit (y) q r; }; }', '{ a = { inherit (x) p; inherit (y) q r; }; }'],
  ['rec { a = 1; }', 'rec { a = 1; }'],
  ['let { body = 1; }', '(rec { body = 1; }).body'],
  ['let a = 1; b = 2; in a', '(let a = 1; b = 2; in a)'],
  ['let inherit (x) y; in y', '(let inherit (x) y; in y)'],
  ['with a; b', '(with a; b)'],
  ['assert a; b', 'assert a; b'],
  ['if a then b else c', '(if a then b else c)'],
  ['[ 1 (2) a.b ]', '[ (1) (2) ((a).b) ]'],
  ['"a${b}c${d}"', '("a" + b + "c" + d)'],
  ['"${b}"', '(b)'],
  ['"\\${x} $${x} ${"\\n"}"', '("\\${x} $\\${x} " + "\\n")'],
  ['./a', '/base/a'],
  ['./a/../b/./c', '/base/b/c'],
  ['/x/y/..', '/x'],
  ['~/p', '/home/u/p'],
  ['./a/${b}/c', '(/base/a/ + b + "/c")'],
  ['./${b}', '(/base/ + b)'],
  ['<nixpkgs/lib>', '(__findFile __nixPath "nixpkgs/lib")'],
  ['http://x.y/z?a=b', '"http://x.y/z?a=b"'],
  ['__curPos', '__curPos'],
  ['1.5 100.0 1.0e20 0.1 1.23456789e-7 123456789.0', '(1.5 100 1e+20 0.1 1.23457e-07 1.23457e+08)'],
  ['a |> f |> g', '(g (f a))'],
  ['g <| f <| a', '(g (f a))'],
  ['a |> f b', '(f b a)'],
];

/** [input, message, line, column] */
const testFail: [string, string, number, number][] = [
  ['{ a = 1; a = 2; }', "attribute 'a' already defined at \xc2\xabstring\xc2\xbb:1:3", 1, 10],
  ['{ a.b = 1; a.b = 2; }', "attribute 'a.b' already defined at \xc2\xabstring\xc2\xbb:1:3", 1, 12],
  ['{ a = 1; a.b = 2; }', "attribute 'a' already defined at \xc2\xabstring\xc2\xbb:1:3", 1, 10],
  ['{ inherit a; inherit a; }', "attribute 'a' already defined at \xc2\xabstring\xc2\xbb:1:11", 1, 22],
  ['{ "a b" = 1; "a b".c = 2; }', "attribute '\"a b\"' already defined at \xc2\xabstring\xc2\xbb:1:3", 1, 14],
  ['{ x, y, x }: 1', "duplicate formal function argument 'x'", 1, 9],
  ['{ b, a, b, a }: 1', "duplicate formal function argument 'b'", 1, 9],
  ['a@{ a }: 1', "duplicate formal function argument 'a'", 1, 1],
  ['{ a }@a: 1', "duplicate formal function argument 'a'", 1, 1],
  ['let ${a} = 1; in 2', 'dynamic attributes not allowed in let', 1, 1],
  ['{ inherit ${a}; }', 'dynamic attributes not allowed in inherit', 1, 11],
  ['{ inherit "${a}"; }', 'dynamic attributes not allowed in inherit', 1, 11],
  ['{ a = 1 }', "syntax error, unexpected '}', expecting ';'", 1, 9],
  ['{ a ... }', "syntax error, unexpected '...', expecting '.' or '='", 1, 5],
  ['a.if', "syntax error, unexpected 'if', expecting identifier or 'or' or '${' or '\"'", 1, 3],
  ['1 == 2 == 3', "syntax error, unexpected '=='", 1, 8],
  ['1 < 2 > 3', "syntax error, unexpected '>'", 1, 7],
  ['1 + if a then b else c', "syntax error, unexpected 'if'", 1, 5],
  ['{ ..., a }: a', "syntax error, unexpected ',', expecting '}'", 1, 6],
  ['{ a }', "syntax error, unexpected end of file, expecting ':' or '@'", 1, 6],
  ['(1', "syntax error, unexpected end of file, expecting ')'", 1, 3],
  ['"abc', "syntax error, unexpected end of file, expecting '\"'", 1, 5],
  ["''abc", "syntax error, unexpected end of file, expecting indented string or '${' or end of an indented string", 1, 6],
  ['[ ./a', 'syntax error, unexpected end of file', 1, 3],
  ['1 & 2', 'syntax error, unexpected invalid token, expecting end of file', 1, 3],
  ['{ a = 1; } }', "syntax error, unexpected '}', expecting end of file", 1, 12],
  ['a |> b <| c', "syntax error, unexpected '<|', expecting end of file", 1, 8],
  ['x:\n  ++', "syntax error, unexpected '++'", 2, 3],
  ['9223372036854775808', "invalid integer '9223372036854775808'", 1, 1],
];

describe('parse()', () => {
  for (const [text, want] of test) {
    it(`parses ${JSON.stringify(text)}`, () => {
      assert.equal(showExpr(p(text, { pipeOperators: true })), want);
    });
  }

  for (const [text, message, line, column] of testFail) {
    it(`rejects ${JSON.stringify(text)} with "${message}" at ${line}:${column}`, () => {
      assert.throws(
        () => p(text, { pipeOperators: true }),
        (e: unknown) => e instanceof NixSyntaxError && e.name === 'NixSyntaxError' && e.message === message && e.line === line && e.column === column,
      );
    });
  }

  it('gives nodes upstream\'s positions', () => {
    const e = p('{\n  f = x: x + 1;\n  inherit (s) a;\n}') as ExprAttrs;
    assert.equal(e.type, 'Attrs');
    assert.equal(e.pos, 0);
    const f = e.attrs.get('f')!;
    assert.equal(f.pos, 4);
    const lam = f.e as ExprLambda;
    assert.deepEqual([lam.type, lam.pos, lam.name, lam.arg], ['Lambda', 8, 'f', 'x']);
    assert.equal(lam.body.type, 'ConcatStrings');
    if (lam.body.type === 'ConcatStrings') {
      assert.equal(lam.body.pos, 13); // the operator
      assert.deepEqual(lam.body.parts.map((x) => x.pos), [11, 15]);
    }
    const a = e.attrs.get('a')!;
    assert.deepEqual([a.kind, a.pos], ['inheritedFrom', 32]);
    assert.ok(a.e.type === 'Select' && a.e.e.type === 'InheritFrom' && a.e.e.pos === 29 && a.e.e.displ === 0);
  });

  it('names lambdas after the binding they are defined in, curried ones too', () => {
    const e = p('let f = a: b: a; g = { h = x: x; }; in f') as Expr;
    assert.equal(e.type, 'Let');
    if (e.type !== 'Let') return;
    const f = e.attrs.attrs.get('f')!.e as ExprLambda;
    assert.equal(f.name, 'f');
    assert.equal((f.body as ExprLambda).name, 'f');
    const g = e.attrs.attrs.get('g')!.e as ExprAttrs;
    assert.equal((g.attrs.get('h')!.e as ExprLambda).name, 'h');
  });

  it('shares one inherit source per clause', () => {
    const e = p('{ inherit (s) a b; }') as ExprAttrs;
    const a = e.attrs.get('a')!.e;
    const b = e.attrs.get('b')!.e;
    assert.ok(a.type === 'Select' && b.type === 'Select' && a.e === b.e);
    assert.equal(e.inheritFromExprs.length, 1);
  });

  it('keeps int64 literals beyond 2^53 exact', () => {
    const e = p('9223372036854775807');
    assert.deepEqual(e, { type: 'Int', pos: 0, value: 9223372036854775807n });
  });

  it('reports a "cursed or" through the warn option', () => {
    const warnings: string[] = [];
    p('f g or', { warn: (m: string) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^at \xc2\xabstring\xc2\xbb:1:3: This expression uses `or` as an identifier/);
    assert.match(warnings[0]!, /\n {4}\(g or\)\n/);
  });

  it('refuses ~/ paths in pure mode', () => {
    assert.throws(() => p('~/x', { pureEval: true }), { code: 'E_NIX_PURE_PATH', message: "the path '~/x' can not be resolved in pure mode" });
  });

  it('renders errors in upstream\'s layout', () => {
    try {
      parse(new Source({ kind: 'stdin' }, 'a\n{ b = 1 }\nc\n'), opts);
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof NixSyntaxError);
      assert.equal(
        e.render(),
        "error: syntax error, unexpected '}', expecting ';'\n       at \xc2\xabstdin\xc2\xbb:2:9:\n            1| a\n            2| { b = 1 }\n             |         ^\n            3| c\n",
      );
    }
  });
});
