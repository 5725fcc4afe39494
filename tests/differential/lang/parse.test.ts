/**
 * `tix instantiate --parse` against the corpus in tests/lang/parse (see its README): tix
 * must print the recorded upstream output, and Nix 2.8 must agree with it except for the
 * documented printing and error-text differences between 2.8 and upstream.
 */

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BASE_ENV_NAMES, NixSyntaxError, parse, resolve as resolveVars, showExpr, Source } from '../../../src/lang/index.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpus = join(root, 'tests', 'lang', 'parse');
const tix = join(root, 'bin', 'tix');
const env = { ...process.env, HOME: '/home/u', NIX_CONFIG: undefined };

/** Files whose 2.8 output is in the older format (README). */
const DIFFERS_FROM_28 = new Set(['attrs', 'functions', 'let-with-assert', 'or-compat', 'strings']);
/** Error cases where 2.8's message or position differs, and why. */
const FAIL_DIFFERS_FROM_28: Record<string, 'message' | 'position' | 'both'> = {
  'fail-dup-nonattrs': 'message', // upstream names the prefix that is not a set ('a'), 2.8 the whole path
  'fail-eof-if': 'both', // token names; end of file located at its end upstream
  'fail-eof-string': 'position',
  'fail-paren': 'position',
  'fail-select-eof': 'both',
  'fail-if-operand': 'message', // 2.8 names tokens IF, EQ, ...
  'fail-nonassoc': 'message',
  'fail-pipe': 'both', // no pipe operators in 2.8
};

const names = readdirSync(corpus).filter((f) => f.endsWith('.nix')).map((f) => f.slice(0, -4)).sort();

function run(cmd: string, args: string[], input: Buffer, extraEnv: Record<string, string | undefined> = {}) {
  const r = spawnSync(cmd, args, { cwd: corpus, input, env: { ...env, ...extraEnv }, maxBuffer: 1 << 26 });
  const fix = (b: Buffer) => b.toString('latin1').replaceAll(corpus, '/pwd');
  return { status: r.status, stdout: fix(r.stdout), stderr: fix(r.stderr) };
}

/** Message and `at` line of an error, in either layout. */
function errorHead(stderr: string): { message: string; position: string } {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return { message: lines[0] ?? '', position: (lines[1] ?? '').trim() };
}

/** What `tix instantiate --parse -` does, in-process (one CLI run per file would cost a Node start-up each). */
function tixParse(input: Buffer) {
  try {
    const file = parse(new Source({ kind: 'stdin' }, input.toString('latin1')), { basePath: corpus, home: '/home/u' });
    resolveVars(file, { baseEnv: BASE_ENV_NAMES });
    return { status: 0, stdout: (showExpr(file.root) + '\n').replaceAll(corpus, '/pwd'), stderr: '' };
  } catch (e) {
    if (!(e instanceof NixSyntaxError)) throw e;
    return { status: 1, stdout: '', stderr: e.render() };
  }
}

describe('tix instantiate --parse on the corpus', () => {
  it('runs as a command: stdin, files, -E, exit codes', () => {
    const ok = run(tix, ['instantiate', '--parse', 'paths.nix', '-E', '1'], Buffer.alloc(0));
    assert.equal(ok.status, 1); // with -E, "paths.nix" is an expression: an undefined variable
    assert.match(ok.stderr, /^error: undefined variable 'paths'\n {7}at \xc2\xabstring\xc2\xbb:1:1:\n/);
    const file = run(tix, ['instantiate', '--parse', 'paths.nix'], Buffer.alloc(0));
    assert.equal(file.stdout, readFileSync(join(corpus, 'paths.exp'), 'latin1'));
    const stdin = run(tix, ['instantiate', '--parse', '-'], readFileSync(join(corpus, 'fail-dup-attr.nix')));
    assert.equal(stdin.status, 1);
    assert.equal(stdin.stderr, readFileSync(join(corpus, 'fail-dup-attr.err.exp'), 'latin1'));
  });

  for (const name of names) {
    const input = readFileSync(join(corpus, name + '.nix'));
    if (name.startsWith('fail-')) {
      it(`rejects ${name}.nix with upstream's error`, () => {
        const r = tixParse(input);
        assert.equal(r.status, 1);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, readFileSync(join(corpus, name + '.err.exp'), 'latin1'));
      });
    } else {
      it(`prints ${name}.nix as upstream does`, () => {
        const r = tixParse(input);
        assert.equal(r.stderr, '');
        assert.equal(r.status, 0);
        assert.equal(r.stdout, readFileSync(join(corpus, name + '.exp'), 'latin1'));
      });
    }
  }
});

describe('the corpus through Nix 2.8', { skip: NIX_SKIP }, () => {
  const sandbox = NIX_SKIP ? undefined : new NixSandbox();
  after(() => sandbox?.dispose());
  for (const name of names) {
    const input = readFileSync(join(corpus, name + '.nix'));
    const nix = () => run('nix-instantiate', ['--parse', '-'], input, { NIX_REMOTE: sandbox!.storeUrl });
    if (name.startsWith('fail-')) {
      const differs = FAIL_DIFFERS_FROM_28[name];
      it(`fails on ${name}.nix${differs ? ` (2.8's ${differs} differs)` : ''}`, () => {
        const r = nix();
        assert.notEqual(r.status, 0);
        const want = errorHead(readFileSync(join(corpus, name + '.err.exp'), 'latin1'));
        // 2.8 names stdin "(string)" inside messages.
        const got = errorHead(r.stderr.replaceAll('(string)', '\xc2\xabstdin\xc2\xbb'));
        if (differs !== 'message' && differs !== 'both') assert.equal(got.message, want.message);
        if (differs !== 'position' && differs !== 'both') assert.equal(got.position, want.position);
      });
    } else {
      it(`prints ${name}.nix ${DIFFERS_FROM_28.has(name) ? '(in its older format)' : 'identically'}`, () => {
        const r = nix();
        assert.equal(r.status, 0, r.stderr);
        if (!DIFFERS_FROM_28.has(name)) assert.equal(r.stdout, readFileSync(join(corpus, name + '.exp'), 'latin1'));
      });
    }
  }
});
