/**
 * `tix build` killed (SIGKILL) while it substitutes an output from an HTTP binary cache:
 * the NAR is half restored in a tree of the store's temp area (`.tix-tmp/T-…`) when the
 * kill lands. Afterwards nothing is half-registered, `tix store verify --all
 * --check-contents` is clean, and the same command run again substitutes the output (no
 * local build) and removes the dead process's tree. The cache is a loopback server of this test
 * that sends NARs in 16 KiB pieces 20 ms apart (tests/support/http-cache-faults.ts).
 */

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { FaultyCache, writeBinaryCache } from '../../support/http-cache-faults.ts';
import { assertNothingPartial, tix } from '../../support/net-faults.ts';
import { waitFor } from '../../support/p2p-node.ts';
import { TIX_BIN } from '../../support/tix-cli.ts';

const expr = (nonce: string): string =>
  `derivation { name = "killed-substitution"; system = builtins.currentSystem; builder = "/bin/sh"; nonce = "${nonce}"; args = [ "-c" "dd if=/dev/zero of=$out bs=1024 count=512 2>/dev/null" ]; }`;

describe('tix build killed while substituting from an HTTP cache', { skip: BUILD_SKIP, timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-netfault-bkill-'));
  const E = expr(`${process.pid}-${Date.now()}`);
  const env = { TIX_STATE_DIR: join(work, 'no-node') };
  let out: string;
  let cache: FaultyCache;

  before(async () => {
    const built = await tix(['build', '--store', join(work, 'a'), '--no-out-link', '-Q', '-E', E], env);
    assert.equal(built.status, 0, built.stderr);
    out = built.stdout.trim();
    await writeBinaryCache(join(work, 'a'), [out], join(work, 'cache'));
    cache = await FaultyCache.start(join(work, 'cache'), { paceMs: 20 });
  });

  after(async () => {
    await cache?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('leaves nothing half-made, and the same command completes the substitution', async (t) => {
    const b = join(work, 'b');
    const args = ['build', '--store', b, '--no-out-link', '-Q', '-E', E, '--option', 'substituters', `${cache.url}?trusted=1`];
    const child = spawn(TIX_BIN, args, { stdio: 'ignore', env: { ...process.env, TIX_CONF: '/dev/null', ...env } });
    const exited = new Promise<string | null>((r) => child.once('exit', (_c, s) => r(s)));
    const trees = storeLayout(b).tempDir;
    const subTrees = (): string[] => (existsSync(trees) ? readdirSync(trees).filter((n) => n.startsWith('T-')) : []);
    await waitFor('the NAR import to start', () => (subTrees().length > 0 && cache.narBytesSent > 64 * 1024 ? true : undefined), 30_000, 5);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    t.diagnostic(`killed after ${cache.narBytesSent} NAR bytes had been sent; half-restored trees left: ${subTrees().length}`);
    assert.ok(subTrees().length > 0);
    assert.notEqual((await tix(['store', 'path-info', '--store', b, out])).status, 0, 'nothing half-registered');
    await assertNothingPartial(b);

    const retry = await tix(args, env);
    assert.equal(retry.status, 0, retry.stderr);
    assert.equal(retry.stdout.trim(), out);
    assert.match(retry.stderr, new RegExp(`copying path '${out}' from '${cache.url}'`));
    assert.doesNotMatch(retry.stderr, /building '/);
    assert.equal(readFileSync(join(b, out)).length, 512 * 1024);
    assert.deepEqual(readdirSync(trees), [], 'the dead process\'s tree was removed');
    await assertNothingPartial(b);
  });
});
