/**
 * How bin/tix starts (cli/launch.mjs, tools/bundle.ts): it runs the bundle dist/tix.mjs only
 * when that was built from the files as they are, rebuilds it after a change, falls back to
 * the sources when it cannot, and the bundle behaves as the sources do.
 */

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../support/child.ts';
import { NO_CONFIG_ENV, runTixText } from '../../support/tix-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tix-launch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const REBUILT = /^tix: rebuilt dist\/tix\.mjs in \d+ ms \(changed: (.*)\)$/m;

describe('bin/tix', () => {
  it('does not rebuild a bundle it has just built or checked', () => {
    runTixText(['--version']);
    const r = runTixText(['--version'], { env: { TIX_DEBUG: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /rebuilt|from the sources/);
  });

  // Whatever runs (bundle or sources), the user sees the same bytes.
  const cases: [string, string[]][] = [
    ['the command list', ['--help']],
    ['a command help', ['store', '--help']],
    ['an unknown command', ['nosuch']],
    ['a usage error', ['instantiate', '--no-such-flag']],
    ['a syntax error with its position', ['instantiate', '--eval', '-E', '1 +']],
    ['an evaluation error with --show-trace', ['instantiate', '--eval', '--show-trace', '-E', 'let f = x: if x == 0 then throw "boom" else f (x - 1); in f 2']],
    ['a value', ['instantiate', '--eval', '--strict', '-E', 'builtins.mapAttrs (n: v: builtins.hashString "sha256" v) { a = "x"; }']],
  ];
  for (const [what, args] of cases) {
    it(`prints ${what} as the sources do`, () => {
      const bundled = runTixText(args, { env: NO_CONFIG_ENV });
      const sources = runTixText(args, { env: { ...NO_CONFIG_ENV, TIX_BUNDLE: '0' } });
      assert.deepEqual(bundled, sources);
    });
  }
});

describe('bin/tix in a checkout whose sources change', () => {
  // A copy of the checkout (dependencies shared through a symlink) that this test may edit.
  const copy = join(tmp, 'tix');
  for (const d of ['bin', 'cli', 'src', 'tools', 'node', 'package.json', 'package-lock.json', 'tsconfig.json']) cpSync(join(repoRoot, d), join(copy, d), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  const tix = (args: string[]) => {
    const r = spawnSync(join(copy, 'bin', 'tix'), args, { encoding: 'utf8', env: { ...process.env, ...NO_CONFIG_ENV, TIX_DEBUG: '1' } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const hashTs = join(copy, 'cli', 'commands', 'hash.ts');

  it('builds the bundle on the first run', () => {
    const r = tix(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, REBUILT);
    assert.equal(REBUILT.exec(r.stderr)![1], 'no bundle');
    assert.equal(tix(['--version']).stderr, '');
  });

  it('rebuilds it when a source file changes, and runs the new code', () => {
    const text = readFileSync(hashTs, 'utf8');
    writeFileSync(hashTs, text.replace(/^export const summary = '([^']*)';$/m, "export const summary = '$1 (edited)';"));
    const r = tix(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(REBUILT.exec(r.stderr)?.[1], 'cli/commands/hash.ts');
    assert.match(r.stdout, /^ {2}hash {10}.*\(edited\)$/m);
  });

  it('rebuilds it when a command is added', () => {
    writeFileSync(join(copy, 'cli', 'commands', 'hello.ts'), "export const summary = 'say hello';\nexport const help = 'tix hello';\nexport async function main(): Promise<number> {\n  process.stdout.write('hello\\n');\n  return 0;\n}\n");
    const r = tix(['hello']);
    assert.equal(r.stdout, 'hello\n');
    assert.equal(REBUILT.exec(r.stderr)?.[1], 'the set of commands');
  });

  it('rebuilds it when the bundle itself was removed or altered', () => {
    rmSync(join(copy, 'dist', 'tix.mjs'));
    assert.equal(REBUILT.exec(tix(['--version']).stderr)?.[1], 'dist/tix.mjs');
    writeFileSync(join(copy, 'dist', 'tix.mjs'), 'process.stdout.write("stale");\n');
    const r = tix(['--version']);
    assert.equal(REBUILT.exec(r.stderr)?.[1], 'dist/tix.mjs');
    assert.match(r.stdout, /^tix \d/);
  });

  it('runs the sources when the bundle cannot be built', () => {
    writeFileSync(hashTs, readFileSync(hashTs, 'utf8').replace('(edited)', '(edited again)'));
    rmSync(join(copy, 'dist'), { recursive: true });
    writeFileSync(join(copy, 'dist'), 'not a directory');
    const r = tix(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^tix: running from the sources; could not rebuild dist\/tix\.mjs \(changed: no bundle\)/m);
    assert.match(r.stdout, /\(edited again\)$/m);
  });
});
