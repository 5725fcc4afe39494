/** lex(): token kinds, payloads and locations, flex's longest-match rules, lexer errors. */

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { lex } from '../../../src/lang/lexer.ts';
import { Source } from '../../../src/lang/source.ts';
import { NixSyntaxError } from '../../../src/lang/syntax-error.ts';
import { T_LEX_ERROR, TOKEN_NAMES } from '../../../src/lang/tokens.ts';

/** Tokens as `name` or `name:value`, without the final end of file. */
function tokens(text: string, pipeOperators = false): string[] {
  const ts = lex(new Source({ kind: 'string' }, text), { pipeOperators });
  const out: string[] = [];
  for (let i = 0; i < ts.count; i++) {
    const k = ts.kinds[i]!;
    if (k === T_LEX_ERROR) throw ts.values[i];
    const name = TOKEN_NAMES[k]!;
    const v = ts.values[i];
    out.push(v === undefined ? name : `${name}:${String(v)}`);
  }
  assert.equal(out.pop(), 'end of file');
  return out;
}

const cases: [string, string[]][] = [
  ['if then else assert with let in rec inherit or', ["'if'", "'then'", "'else'", "'assert'", "'with'", "'let'", "'in'", "'rec'", "'inherit'", "'or'"]],
  ['iffy a-b c\'d _x', ['identifier:iffy', 'identifier:a-b', "identifier:c'd", 'identifier:_x']],
  ['0 42 9223372036854775807', ['integer:0', 'integer:42', 'integer:9223372036854775807']],
  ['1.5 .5 0.5 1. 1.5e3 1.5E-3 .5e+2', ['floating-point literal:1.5', 'floating-point literal:0.5', 'floating-point literal:0.5', 'floating-point literal:1', 'floating-point literal:1500', 'floating-point literal:0.0015', 'floating-point literal:50']],
  ['1e3', ['integer:1', 'identifier:e3']],
  ['0.', ['integer:0', "'.'"]],
  ['00.5', ['integer:0', 'floating-point literal:0.5']],
  ['x.5', ['identifier:x', 'floating-point literal:0.5']],
  ['a.b', ['identifier:a', "'.'", 'identifier:b']],
  ['./a ../b /c a/b a.b/c', ['path:./a', 'end of path', 'path:../b', 'end of path', 'path:/c', 'end of path', 'path:a/b', 'end of path', 'path:a.b/c', 'end of path']],
  ['./a/${x}.nix', ['path:./a/', "'${'", 'identifier:x', "'}'", 'string:.nix', 'end of path']],
  ['./${x}', ['path:./', "'${'", 'identifier:x', "'}'", 'end of path']],
  ['~/a ~/${x}', ["'~/\xe2\x80\xa6' path:~/a", 'end of path', "'~/\xe2\x80\xa6' path:~/", "'${'", 'identifier:x', "'}'", 'end of path']],
  ['<nixpkgs> <a/b> < a', ["'<\xe2\x80\xa6>' path:<nixpkgs>", "'<\xe2\x80\xa6>' path:<a/b>", "'<'", 'identifier:a']],
  ['x:x http://a.b/c?d=e', ['URI:x:x', 'URI:http://a.b/c?d=e']],
  ['x: x', ['identifier:x', "':'", 'identifier:x']],
  ['== != <= >= && || -> // ++ ...', ["'=='", "'!='", "'<='", "'>='", "'&&'", "'||'", "'->'", "'//'", "'++'", "'...'"]],
  ['.../a ++/a', ['path:.../a', 'end of path', 'path:++/a', 'end of path']],
  ['a//b', ['identifier:a', "'//'", 'identifier:b']],
  ['& $ ~ \x0c %', ['invalid token', 'invalid token', 'invalid token', 'invalid token', 'invalid token']],
  ['1 # comment\n/* block */ 2 /** doc */', ['integer:1', 'integer:2']],
  ['1 /* unterminated', ['integer:1', "'/'", "'*'", 'identifier:unterminated']],
  ['1 \0 2', ['integer:1']], // NUL is bison's end of file
  ['"a\\nb\\t\\r\\\\\\"\\$\\q"', ["'\"'", 'string:a\nb\t\r\\"$q', "'\"'"]],
  ['"a${b}c"', ["'\"'", 'string:a', "'${'", 'identifier:b', "'}'", 'string:c', "'\"'"]],
  ['"$${x}" "$$" "a$"', ["'\"'", 'string:$${x}', "'\"'", "'\"'", 'string:$$', "'\"'", "'\"'", 'string:a$', "'\"'"]],
  ['"a\rb\r\nc"', ["'\"'", 'string:a\nb\nc', "'\"'"]],
  ['{ "${x}" }', ["'{'", "'\"'", "'${'", 'identifier:x', "'}'", "'\"'", "'}'"]],
  ["''a''", ['start of an indented string', 'indented string:a', 'end of an indented string']],
  ["''  \n  x''", ['start of an indented string', 'indented string:  x', 'end of an indented string']],
  ["''''$'''''\\n$'", ['start of an indented string', 'indented string:$', "indented string:''", 'indented string:\n', 'indented string:$', "indented string:'"]],
  ["''$${x}''", ['start of an indented string', 'indented string:$${x}', 'end of an indented string']],
  ['|> <|', ["'|>'", "'<|'"]],
];

const errors: [string, string, number][] = [
  ['9223372036854775808', "invalid integer '9223372036854775808'", 0],
  ['1.8e308', "invalid float '1.8e308'", 0],
  ['x 4.9e-324', "invalid float '4.9e-324'", 2],
  ['./a/', 'path has a trailing slash', 0],
  ['[ ./a/ ]', 'path has a trailing slash', 6],
  ['a |> b', "experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it", 2],
  ['"a\0b"', "input string 'a\xe2\x90\x80b' cannot be represented as Nix string because it contains null bytes", 1],
];

describe('lex()', () => {
  for (const [text, want] of cases) {
    it(`lexes ${JSON.stringify(text)}`, () => {
      assert.deepEqual(tokens(text, true), want);
    });
  }

  for (const [text, message, offset] of errors) {
    it(`rejects ${JSON.stringify(text)}: ${message}`, () => {
      assert.throws(() => tokens(text), (e: unknown) => e instanceof NixSyntaxError && e.code === 'E_NIX_LEX' && e.message === message && e.offset === offset);
    });
  }

  it('records byte offsets of tokens', () => {
    const ts = lex(new Source({ kind: 'string' }, 'a  "\xc3\xa9${b}"')); // "é" is two bytes
    assert.deepEqual(Array.from(ts.starts.subarray(0, ts.count)), [0, 3, 4, 6, 8, 9, 10, 10]);
    assert.deepEqual(Array.from(ts.ends.subarray(0, ts.count)), [1, 4, 6, 8, 9, 10, 11, 11]);
  });

  it('puts the end of file after the last match, or before the last path part at the end of input', () => {
    const a = lex(new Source({ kind: 'string' }, '[ x  '));
    assert.equal(a.ends[a.count - 1], 5);
    const b = lex(new Source({ kind: 'string' }, '[ ./a'));
    assert.equal(b.ends[b.count - 1], 2);
  });

  it('keeps a lexer error as a token, after the tokens before it', () => {
    const ts = lex(new Source({ kind: 'string' }, '1 + 99999999999999999999 ]'));
    assert.equal(ts.count, 3);
    assert.equal(ts.kinds[2], T_LEX_ERROR);
  });
});
