/**
 * What `tix realise` / `tix build` do when a substitution fails: the later substituters
 * offering the same NAR are tried (Nix's `SubstitutionGoal::tryNext`), and with
 * `--fallback` a derivation whose outputs could not be substituted is built locally;
 * without it the command fails with Nix's advice. The failing substituter here is a
 * `file://` cache whose NAR has one byte changed (same size), so the store's hash check
 * refuses it; no timing is involved (the network variants are in tests/e2e/substitute/).
 */

import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILD_SKIP } from '../../support/build.ts';
import { writeBinaryCache } from '../../support/http-cache-faults.ts';
import { assertNothingPartial, tix } from '../../support/net-faults.ts';

const expr = (nonce: string): string =>
  `derivation { name = "fallback-out"; system = builtins.currentSystem; builder = "/bin/sh"; nonce = "${nonce}"; args = [ "-c" "echo built here > $out" ]; }`;

describe('substitution failures in tix realise and tix build', { skip: BUILD_SKIP, timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-subst-fallback-'));
  const env = { TIX_STATE_DIR: join(work, 'no-node') };
  const E = expr(`${process.pid}-${Date.now()}`);
  let added: string;
  let out: string;
  const good = `file://${join(work, 'good')}?trusted=1&priority=20`;
  const bad = `file://${join(work, 'bad')}?trusted=1&priority=10`;

  before(async () => {
    const a = join(work, 'a');
    mkdirSync(join(work, 'tree'));
    writeFileSync(join(work, 'tree', 'data'), 'some contents\n'.repeat(100));
    const r = await tix(['store', 'add', '--store', a, join(work, 'tree')], env);
    assert.equal(r.status, 0, r.stderr);
    added = r.stdout.trim();
    const b = await tix(['build', '--store', a, '--no-out-link', '-Q', '-E', E], env);
    assert.equal(b.status, 0, b.stderr);
    out = b.stdout.trim();
    await writeBinaryCache(a, [added, out], join(work, 'good'));
    // The bad cache: the same narinfos, every NAR with one byte of file contents changed.
    cpSync(join(work, 'good'), join(work, 'bad'), { recursive: true });
    for (const f of readdirSync(join(work, 'bad', 'nar'))) {
      const p = join(work, 'bad', 'nar', f);
      const nar = readFileSync(p);
      const at = Math.max(nar.indexOf('some contents'), nar.indexOf('built here'));
      assert.ok(at > 0);
      nar[at] ^= 0x20;
      writeFileSync(p, nar);
    }
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('takes the path from the next substituter when the first one\'s NAR does not match', async () => {
    const root = join(work, 'b1');
    const r = await tix(['realise', '--store', root, '--option', 'substituters', `${bad} ${good}`, added], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), added);
    assert.match(r.stderr, new RegExp(`warning: substituting '${added}' from 'file://${join(work, 'bad')}' failed: .*hash mismatch`));
    await assertNothingPartial(root);
  });

  it('fails, registering nothing, when the only substituter\'s NAR does not match', async () => {
    const root = join(work, 'b2');
    const r = await tix(['realise', '--store', root, '--option', 'substituters', bad, added], env);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /hash mismatch/);
    assert.notEqual((await tix(['store', 'path-info', '--store', root, added], env)).status, 0);
    await assertNothingPartial(root);
  });

  it('builds a derivation locally with --fallback when its output cannot be substituted', async () => {
    const root = join(work, 'b3');
    const r = await tix(['build', '--store', root, '--no-out-link', '-Q', '-E', E, '--fallback', '--option', 'substituters', bad], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), out);
    assert.match(r.stderr, /building '\/nix\/store\/[^']*-fallback-out\.drv'/);
    assert.equal(readFileSync(join(root, out), 'utf8'), 'built here\n');
    await assertNothingPartial(root);
  });

  it('says to try --fallback, and builds nothing, without it', async () => {
    const root = join(work, 'b4');
    const r = await tix(['build', '--store', root, '--no-out-link', '-Q', '-E', E, '--option', 'substituters', bad], env);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /try '--fallback' to build derivation from source/);
    assert.doesNotMatch(r.stderr, /building '/);
    assert.notEqual((await tix(['store', 'path-info', '--store', root, out], env)).status, 0);
    await assertNothingPartial(root);
  });
});
