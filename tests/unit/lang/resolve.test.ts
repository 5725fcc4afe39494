/** resolve(): levels, slots, `with` links, environment sizes and undefined variables. */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Expr, ExprVar, ExprWith, ParsedFile } from '../../../src/lang/ast.ts';
import { parse } from '../../../src/lang/parse.ts';
import { resolve } from '../../../src/lang/resolve.ts';
import { Source } from '../../../src/lang/source.ts';
import { NixSyntaxError } from '../../../src/lang/syntax-error.ts';

const BASE = ['builtins', 'true', 'false', 'null', '__sub', '__lessThan', 'map'];

function resolved(text: string, extraScope?: string[]): ParsedFile {
  const file = parse(new Source({ kind: 'string' }, text), { basePath: '/' });
  resolve(file, { baseEnv: BASE, extraScope });
  return file;
}

/** Every variable as `name@level:displ` or `name@with(level)`, in source order. */
function vars(e: Expr): string[] {
  const out: [number, string][] = [];
  const walk = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (x instanceof Map) return x.forEach(walk);
    if (Array.isArray(x)) return x.forEach(walk);
    const n = x as ExprVar;
    if (n.type === 'Var') {
      out.push([n.pos, n.fromWith ? `${n.name}@with(${n.level})` : `${n.name}@${n.level}:${n.displ}`]);
      return;
    }
    for (const [k, v] of Object.entries(x)) if (k !== 'fromWith' && k !== 'parentWith') walk(v);
  };
  walk(e);
  return out.sort((a, b) => a[0] - b[0]).map((x) => x[1]);
}

const cases: [string, string[]][] = [
  ['true', ['true@0:1']],
  ['x: x', ['x@0:0']],
  ['x: y: x', ['x@1:0']],
  ['{ b, a ? b }: a', ['b@0:0', 'a@0:1']],
  ['args@{ a }: args', ['args@0:0']],
  ['let a = 1; b = a; in b', ['a@0:0', 'b@0:1']],
  ['let a = 1; in let b = a; in [ a b ]', ['a@1:0', 'a@1:0', 'b@0:0']],
  ['rec { a = 1; b = a; }', ['a@0:0']],
  ['{ a = 1; b = a; }.b', []].map((x) => x) as [string, string[]], // placeholder replaced below
  ['x: rec { inherit x; y = x; }', ['x@0:0', 'x@0:0']], // `inherit x` from outside; then x is the set's own
  ['x: { inherit (x) a; }', ['x@0:0']],
  ['x: let inherit (x) a; in a', ['x@1:0', 'a@0:0']],
  ['x: with x; y', ['x@0:0', 'y@with(0)']],
  ['x: with x; x', ['x@0:0', 'x@1:0']],
  ['with {}; with {}; z', ['z@with(0)']],
  ['with {}; y: z', ['z@with(1)']],
  ['a: -a', ['__sub@1:4', 'a@0:0']],
  ['a: a < 1', ['a@0:0', '__lessThan@1:5']],
];
cases[8] = ['let f = a: { b = a; }; in f', ['a@0:0', 'f@0:0']];

describe('resolve()', () => {
  for (const [text, want] of cases) {
    it(`resolves ${JSON.stringify(text)}`, () => {
      assert.deepEqual(vars(resolved(text).root), want);
    });
  }

  it('resolves against an extra scope above the base environment', () => {
    assert.deepEqual(vars(resolved('[ x true ]', ['x']).root), ['x@0:0', 'true@1:1']);
  });

  it('sets environment sizes, slots of rec and let bindings, and with links', () => {
    const root = resolved('{ b, a ? 1, ... }@args: let x = 1; y = 2; in with a; with b; rec { p = 1; q = 2; }').root;
    assert.ok(root.type === 'Lambda');
    assert.equal(root.envSize, 3);
    const let_ = root.body;
    assert.ok(let_.type === 'Let');
    assert.deepEqual([...let_.attrs.attrs.values()].map((d) => d.displ), [0, 1]);
    const w1 = let_.body as ExprWith;
    const w2 = w1.body as ExprWith;
    assert.deepEqual([w1.parentWith, w1.prevWith], [undefined, 0]);
    assert.deepEqual([w2.parentWith, w2.prevWith], [w1, 1]);
    const rec = w2.body;
    assert.ok(rec.type === 'Attrs');
    assert.deepEqual([...rec.attrs.values()].map((d) => d.displ), [0, 1]);
  });

  it('points a with-variable at the innermost with', () => {
    const root = resolved('with {}; let a = 1; in with {}; b').root;
    assert.ok(root.type === 'With' && root.body.type === 'Let' && root.body.body.type === 'With');
    const inner = root.body.body;
    const b = inner.body as ExprVar;
    assert.equal(b.fromWith, inner);
    assert.equal(inner.parentWith, root);
    assert.equal(inner.prevWith, 2); // the let's environment, then the outer with's
  });

  const undefinedCases: [string, string, number][] = [
    ['x: y', 'y', 3],
    ['{ a = 1; b = a; }', 'a', 13],
    ['let { x = gcc; body = ({ inherit gcc; }).gcc; }', 'gcc', 10],
    ['rec { inherit b; b2 = b; }', 'b', 14],
    ['{ a }: { b ? c }: a', 'c', 13],
  ];
  for (const [text, name, offset] of undefinedCases) {
    it(`reports the undefined variable '${name}' in ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => resolved(text),
        (e: unknown) => e instanceof NixSyntaxError && e.code === 'E_NIX_UNDEFINED_VAR' && e.message === `undefined variable '${name}'` && e.offset === offset,
      );
    });
  }
});
