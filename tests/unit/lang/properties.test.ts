/**
 * Properties of the front end, by fast-check: `--parse` output re-parses to the same tree;
 * on any input the parser terminates and throws nothing but NixSyntaxError; and the
 * hand-written parser accepts exactly what the LALR automaton of upstream's grammar accepts.
 */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lex } from '../../../src/lang/lexer.ts';
import { parse } from '../../../src/lang/parse.ts';
import { showExpr } from '../../../src/lang/print/parse-print.ts';
import { Source } from '../../../src/lang/source.ts';
import { NixSyntaxError } from '../../../src/lang/syntax-error.ts';
import { runAutomaton } from '../../../src/lang/syntax-oracle.ts';

const opts = { basePath: '/base', home: '/home', pipeOperators: true };
const src = (text: string) => new Source({ kind: 'string' }, text);
const show = (text: string) => showExpr(parse(src(text), opts).root);

/** Random well-formed Nix source, parenthesised where it nests. */
const nixExpr = fc.letrec<{ expr: string; atom: string }>((tie) => {
  const name = fc.constantFrom('a', 'b', 'x', 'y-z', "f'", 'or_', '__sub');
  // (not `${x}`: upstream prints it as `"${x}"`, which re-parses as the string `"${(x)}"`)
  const attrName = fc.oneof(name, fc.constantFrom('"a b"', '"if"', '""', '"${y}"', 'or'));
  const strChar = fc.constantFrom('a', ' ', '\\n', '\\"', '\\\\', '$', '\\${', '\u00e9', '\t');
  const sub = () => tie('expr').map((e) => `(${e})`);
  return {
    atom: fc.oneof(
      fc.nat(100000).map(String),
      fc.constantFrom('1.5', '0.25', '.5', '100.0', '3.0'),
      name,
      fc.array(strChar, { maxLength: 5 }).map((cs) => `"${cs.join('')}"`),
      // a lone `"${e}"` prints as `(e)`, which re-parses without the string coercion: keep a prefix
      fc.tuple(fc.array(strChar.filter((c) => c !== '$'), { minLength: 1, maxLength: 3 }), sub()).map(([cs, e]) => `"${cs.join('')}\${${e}}"`),
      fc.constantFrom('./p', '/abs/q', './a/../b', '<nixpkgs>', 'http://x.y/z', '__curPos', "''\n  ind\n    ent\n''", "''''"),
      fc.array(sub(), { maxLength: 3 }).map((es) => `[ ${es.join(' ')} ]`),
      fc.array(fc.tuple(attrName, sub()), { maxLength: 3 }).map((kv) => {
        const seen = new Set<string>();
        return `{ ${kv.filter(([k]) => !seen.has(k) && seen.add(k)).map(([k, v]) => `${k} = ${v};`).join(' ')} }`;
      }),
    ),
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('atom'),
      tie('atom'),
      fc.tuple(sub(), fc.constantFrom('+', '-', '*', '/', '==', '!=', '<', '>', '<=', '>=', '&&', '||', '->', '//', '++'), sub()).map(([a, o, b]) => `${a} ${o} ${b}`),
      sub().map((e) => `!${e}`),
      sub().map((e) => `-${e}`),
      fc.tuple(sub(), name).map(([e, n]) => `${e}.${n}`),
      fc.tuple(sub(), name, sub()).map(([e, n, d]) => `${e}.${n} or ${d}`),
      fc.tuple(sub(), name).map(([e, n]) => `${e} ? ${n}`),
      fc.tuple(sub(), sub()).map(([f, a]) => `${f} ${a}`),
      fc.tuple(name, sub()).map(([n, b]) => `${n}: ${b}`),
      fc.tuple(sub()).map(([b]) => `{ a, b ? 1, ... }@args: ${b}`),
      fc.tuple(name, sub(), sub()).map(([n, v, b]) => `let ${n} = ${v}; in ${b}`),
      fc.tuple(sub(), sub()).map(([a, b]) => `with ${a}; ${b}`),
      fc.tuple(sub(), sub(), sub()).map(([c, t, e]) => `if ${c} then ${t} else ${e}`),
      fc.tuple(sub(), sub()).map(([a, f]) => `${a} |> ${f}`),
    ),
  };
}).expr;

/** Random inputs built from Nix's token fragments (mostly invalid), plus arbitrary bytes. */
const fragments = fc.array(
  fc.oneof(
    fc.constantFrom('{', '}', '(', ')', '[', ']', ';', ':', '=', ',', '.', '...', '?', '@', '!', '-', '+', '*', '/', '//', '++',
      '==', '<', '>', '|>', '<|', '->', '&&', '||', 'if', 'then', 'else', 'let', 'in', 'with', 'rec', 'inherit', 'assert', 'or',
      'a', 'b', '1', '2.5', '"', "''", '${', '$', "'", '\\', './p', './p/', '~/h', '<n>', 'x:y', '#c\n', '/*', '*/', '\n', ' ', ' ', '\0'),
    fc.string({ maxLength: 3 }),
  ),
  { maxLength: 25 },
).map((a) => a.join(''));

const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1'));

describe('front-end properties', () => {
  it('parse(print(ast)) prints the same again', () => {
    // upstream prints `assert c; b` without parentheses, so it re-parses only at the top
    const top = fc.oneof(nixExpr, fc.tuple(nixExpr, nixExpr).map(([c, b]) => `assert (${c}); (${b})`));
    fc.assert(
      fc.property(top, (text) => {
        const once = show(text);
        assert.equal(show(once), once);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but NixSyntaxError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fragments, bytes), (text) => {
        try {
          parse(src(text), opts);
        } catch (e) {
          if (!(e instanceof NixSyntaxError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts exactly the inputs the LALR automaton of the grammar accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fragments, nixExpr), (text) => {
        const tokens = lex(src(text), opts);
        let syntaxOk = true;
        let lexError = false;
        try {
          parse(src(text), opts);
        } catch (e) {
          if (!(e instanceof NixSyntaxError)) throw e;
          if (e.code === 'E_NIX_LEX') lexError = true;
          else if (e.code === 'E_NIX_SYNTAX') syntaxOk = false;
          else return; // a semantic error may come before a later syntax error
        }
        let automatonOk: boolean;
        try {
          automatonOk = runAutomaton(tokens).accepted;
        } catch (e) {
          assert.ok(e instanceof NixSyntaxError && e.code === 'E_NIX_LEX');
          assert.ok(lexError, 'the automaton met a lexer error the parser did not');
          return;
        }
        if (!lexError) assert.equal(syntaxOk, automatonOk);
      }),
      { numRuns: 3000 },
    );
  });

  it('parses deeply nested input without crashing the process', () => {
    for (const text of ['['.repeat(20000) + ']'.repeat(20000), '1' + ' ++ 1'.repeat(20000), '-'.repeat(20000) + '1']) {
      try {
        parse(src(text), opts);
      } catch (e) {
        assert.ok(e instanceof NixSyntaxError, String(e));
      }
    }
  });
});
