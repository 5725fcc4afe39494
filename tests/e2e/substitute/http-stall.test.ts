/**
 * An HTTP binary cache that sends the headers and part of a NAR and then nothing, with the
 * connection held open (a slowloris): `tix build` drops it after `stalled-download-timeout`
 * (2 s here) and substitutes from the next cache; with only that cache, `--fallback` builds
 * locally, and without it the build fails with Nix's advice. Nothing partial is left in any
 * case. The caches are loopback servers of this test (tests/support/http-cache-faults.ts)
 * serving one cache directory written from a store where the derivation was built.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { BUILD_SKIP } from '../../support/build.ts';
import { FaultyCache, writeBinaryCache } from '../../support/http-cache-faults.ts';
import { assertNothingPartial, STALL_TIMEOUT_S, tix } from '../../support/net-faults.ts';

/** 512 KiB output, so a stall after 64 KiB is mid-NAR. */
const expr = (nonce: string): string =>
  `derivation { name = "http-stall"; system = builtins.currentSystem; builder = "/bin/sh"; nonce = "${nonce}"; args = [ "-c" "dd if=/dev/zero of=$out bs=1024 count=512 2>/dev/null" ]; }`;

describe('an HTTP binary cache that stalls mid-NAR', { skip: BUILD_SKIP, timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-netfault-http-'));
  const E = expr(`${process.pid}-${Date.now()}`);
  /** No tix node of the user's may join in as a substituter: a node state dir where none runs. */
  const noNode = { TIX_STATE_DIR: join(work, 'no-node') };
  let out: string;
  let stalling: FaultyCache;
  let good: FaultyCache;
  const caches: FaultyCache[] = [];

  before(async () => {
    const built = await tix(['build', '--store', join(work, 'a'), '--no-out-link', '-Q', '-E', E], noNode);
    assert.equal(built.status, 0, built.stderr);
    out = built.stdout.trim();
    await writeBinaryCache(join(work, 'a'), [out], join(work, 'cache'));
    stalling = await FaultyCache.start(join(work, 'cache'), { stallNarAfter: 64 * 1024 });
    good = await FaultyCache.start(join(work, 'cache'));
    caches.push(stalling, good);
  });

  after(async () => {
    await Promise.all(caches.map((c) => c.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  /** `tix build -E` into a fresh store with these substituters; the time from the stall to the exit. */
  async function build(name: string, substituters: string[], flags: string[] = []) {
    const args = ['build', '--store', join(work, name), '--no-out-link', '-Q', '-E', E, '--option', 'substituters', substituters.join(' '),
      '--option', 'stalled-download-timeout', String(STALL_TIMEOUT_S), ...flags];
    const r = await tix(args, noNode);
    return { ...r, afterStallMs: stalling.stalledAt === undefined ? NaN : Math.round(performance.now() - stalling.stalledAt) };
  }

  it('drops the stalled cache after the timeout and substitutes from the next one', async (t) => {
    stalling.stalledAt = undefined;
    const r = await build('b1', [`${stalling.url}?trusted=1&priority=10`, `${good.url}?trusted=1&priority=20`]);
    t.diagnostic(`build finished ${r.afterStallMs} ms after the cache stalled`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), out);
    assert.match(r.stderr, new RegExp(`warning: substituting '${out}' from '${stalling.url}' failed: .*stalled: no data for ${STALL_TIMEOUT_S * 1000} ms after \\d+ bytes`));
    assert.doesNotMatch(r.stderr, /building '/);
    assert.ok(good.requests.some((p) => p.startsWith('/nar/')), 'the NAR came from the second cache');
    assert.equal(readFileSync(join(work, 'b1', out)).length, 512 * 1024);
    await assertNothingPartial(join(work, 'b1'));
  });

  it('builds locally with --fallback when the only cache stalls', async (t) => {
    stalling.stalledAt = undefined;
    const r = await build('b2', [`${stalling.url}?trusted=1`], ['--fallback']);
    t.diagnostic(`build finished ${r.afterStallMs} ms after the cache stalled`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), out);
    assert.match(r.stderr, /stalled: no data for/);
    assert.match(r.stderr, /building '\/nix\/store\/[^']*-http-stall\.drv'/);
    assert.equal(readFileSync(join(work, 'b2', out)).length, 512 * 1024);
    await assertNothingPartial(join(work, 'b2'));
  });

  it('fails with Nix\'s advice and registers nothing without --fallback', async (t) => {
    stalling.stalledAt = undefined;
    const r = await build('b3', [`${stalling.url}?trusted=1`]);
    t.diagnostic(`build failed ${r.afterStallMs} ms after the cache stalled`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /stalled: no data for/);
    assert.match(r.stderr, /some substitutes for the outputs of derivation '[^']*' failed \(usually happens due to networking issues\); try '--fallback'/);
    assert.notEqual((await tix(['store', 'path-info', '--store', join(work, 'b3'), out])).status, 0);
    await assertNothingPartial(join(work, 'b3'));
  });
});
