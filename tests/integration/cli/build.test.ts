/**
 * `tix build` and `tix realise` as a user runs them: output paths on stdout, progress and
 * errors on stderr, `./result` links that are GC roots, Nix's exit codes.
 */

import { strict as assert } from 'node:assert';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILD_SKIP, type DrvRef, TestStore } from '../../support/build.ts';
import { runTixAsync } from '../../support/tix-cli.ts';

let t: TestStore;
let cwd: string;

let conf: string;

/** Run tix on the test store. This process owns the store DB, so it must not block while tix runs. */
async function tix(args: string[]) {
  const r = await runTixAsync([...args, '--store', t.root, '--option', 'substituters', '', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox'], {
    cwd,
    env: { TIX_CONF: conf },
  });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr };
}

const drvArg = (d: DrvRef) => `/nix/store/${d.drvPath.baseName}`;

describe('tix build / tix realise', { skip: BUILD_SKIP }, () => {
  before(async () => {
    t = await TestStore.open();
    cwd = mkdtempSync(join(tmpdir(), 'tix-build-cwd-'));
    conf = join(cwd, 'tix.conf');
    writeFileSync(conf, '');
  });
  after(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await t.close();
  });

  it('builds a derivation, links ./result as a GC root and prints the output, as nix-build of a .drv does', async () => {
    const d = await t.add({ name: 'cli-multi', outputs: ['out', 'dev'], script: 'echo out > $out; echo dev > $dev' });
    const r = await tix(['build', drvArg(d)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${d.out.out}\n`);
    assert.match(r.stderr, /^this derivation will be built:\n  \/nix\/store\/.*-cli-multi.drv\nbuilding '\/nix\/store\/.*-cli-multi.drv'...\n$/);
    assert.equal(readlinkSync(join(cwd, 'result')), d.out.out);
    assert.equal(existsSync(join(cwd, 'result-dev')), false);
    const dev = await tix(['build', `${drvArg(d)}!dev`]);
    assert.equal(dev.status, 0, dev.stderr);
    assert.equal(dev.stdout, `${d.out.dev}\n`);
    assert.equal(readlinkSync(join(cwd, 'result-dev')), d.out.dev);
    const roots = readdirSync(join(t.store.layout.gcRootsDir, 'auto')).map((n) => readlinkSync(join(t.store.layout.gcRootsDir, 'auto', n)));
    assert.ok(roots.includes(join(cwd, 'result')) && roots.includes(join(cwd, 'result-dev')), roots.join(' '));
  });

  it('builds the one output nix-build would and says when there is none or several', async () => {
    const d = await t.add({ name: 'cli-noout', outputs: ['bin'], script: 'echo > $bin' });
    const none = await tix(['build', drvArg(d), '--no-out-link']);
    assert.equal(none.status, 1);
    assert.equal(none.stderr, `error: derivation '${drvArg(d)}' does not have output 'out'\n`);
    const two = await tix(['build', `${drvArg(d)}!bin,dev`, '--no-out-link']);
    assert.equal(two.status, 1);
    assert.equal(two.stderr, `error: building more than one derivation output is not supported, in '${drvArg(d)}!bin,dev'\n`);
  });

  it('names links after -o and makes none with --no-out-link', async () => {
    const d = await t.add({ name: 'cli-link', script: 'echo > $out' });
    assert.equal((await tix(['build', drvArg(d), '-o', 'mylink'])).status, 0);
    assert.equal(readlinkSync(join(cwd, 'mylink')), d.out.out);
    const before = readdirSync(cwd).sort();
    const r = await tix(['build', drvArg(d), '--no-out-link']);
    assert.equal(r.stdout, `${d.out.out}\n`);
    assert.deepEqual(readdirSync(cwd).sort(), before);
  });

  it('prints what would be built with --dry-run and builds nothing', async () => {
    const d = await t.add({ name: 'cli-dry', script: 'echo > $out' });
    const r = await tix(['realise', drvArg(d), '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `this derivation will be built:\n  ${drvArg(d)}\n`);
    assert.equal(existsSync(t.real(d.out.out!)), false);
  });

  it('exits with 100 and shows the failure and the log tail when a build fails', async () => {
    const d = await t.add({ name: 'cli-fail', script: 'echo oops; exit 2' });
    const r = await tix(['realise', drvArg(d)]);
    assert.equal(r.status, 100);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^oops\nerror: builder for '\/nix\/store\/.*-cli-fail.drv' failed with exit code 2;\nlast 1 log lines:\n> oops\nFor full logs, run 'tix log \/nix\/store\/.*-cli-fail.drv'.\n$/m);
  });

  it('realises only the outputs named after !', async () => {
    const d = await t.add({ name: 'cli-bang', outputs: ['out', 'doc'], script: 'echo > $out; echo > $doc' });
    const r = await tix(['realise', `${drvArg(d)}!doc`, '-Q']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${d.out.doc}\n`);
  });

  it('says which path is unknown or not a store path', async () => {
    const missing = await tix(['realise', '/nix/store/00000000000000000000000000000000-missing.drv']);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, "error: path '/nix/store/00000000000000000000000000000000-missing.drv' is not valid\n");
    const bad = await tix(['realise', '/tmp/not-in-store']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^error: '\/tmp\/not-in-store' is not a store path/);
  });

  it('replaces a result link into the store but refuses to clobber a file or a foreign link, as Nix does', async () => {
    const a = await t.add({ name: 'cli-repl-a', script: 'echo a > $out' });
    const b = await t.add({ name: 'cli-repl-b', script: 'echo b > $out' });
    assert.equal((await tix(['build', drvArg(a), '-o', 'cli-repl-link'])).status, 0);
    assert.equal((await tix(['build', drvArg(b), '-o', 'cli-repl-link'])).status, 0);
    assert.equal(readlinkSync(join(cwd, 'cli-repl-link')), b.out.out);
    for (const [name, make] of [['cli-file', () => writeFileSync(join(cwd, 'cli-file'), 'keep')], ['cli-foreign', () => symlinkSync('/etc/hostname', join(cwd, 'cli-foreign'))]] as const) {
      make();
      const r = await tix(['build', drvArg(a), '-o', name]);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `error: cannot create symlink '${join(cwd, name)}'; already exists\n`);
    }
    assert.equal(lstatSync(join(cwd, 'cli-file')).isFile(), true);
    assert.equal(readlinkSync(join(cwd, 'cli-foreign')), '/etc/hostname');
  });
});
