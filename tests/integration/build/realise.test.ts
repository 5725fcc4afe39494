/**
 * Realising derivation graphs in a real tix store with the bubblewrap sandbox: scheduling,
 * failures and their messages, fixed outputs, --check, and what a builder leaves behind.
 */

import { strict as assert } from 'node:assert';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BuildError, RealiseEvent } from '../../../src/build/index.ts';
import { hashBytes } from '../../../src/hash/index.ts';
import { randomBytes } from 'node:crypto';
import { fingerprintPathInfo, generateSecretKey, printSecretKey, StorePath, toPublicKey, verifyDetached } from '../../../src/store/index.ts';
import { buildLogPath, readBuildLog } from '../../../src/store/local/log-store.ts';
import { BUILD_SKIP, freshBuilds, TestStore } from '../../support/build.ts';

let t: TestStore;

const codes = (r: { result: { errors: readonly unknown[] } }) => r.result.errors.map((e) => (e as BuildError).code);
const message = (r: { result: { errors: readonly unknown[] } }) => r.result.errors.map((e) => (e as Error).message).join('\n');

describe('realise()', { skip: BUILD_SKIP }, () => {
  before(async () => {
    t = await TestStore.open();
  });
  after(async () => {
    await t.close();
  });

  it('builds outputs and registers them with their references, deriver and self-reference', async () => {
    const lib = await t.add({ name: 'lib', script: 'echo lib > $out' });
    const app = await t.add({
      name: 'app',
      deps: [lib],
      outputs: ['out', 'dev'],
      script: `mkdir $out $dev; echo ${lib.out.out} > $out/uses-lib; echo $out > $out/self; echo $out > $dev/points-to-out`,
    });
    const r = await t.realise([app]);
    assert.equal(r.result.exitStatus, 0, message(r));
    assert.deepEqual(r.result.targets[0]!.outputs.get('dev')!.baseName, app.out.dev!.slice(11));
    const out = await t.store.queryPathInfo(new StorePath(app.out.out!.slice(11)));
    assert.deepEqual(out!.references.map(String).sort(), [lib.out.out!.slice(11), app.out.out!.slice(11)].sort());
    assert.equal(out!.deriver!.baseName, app.drvPath.baseName);
    assert.deepEqual(out!.sigs, []);
    const dev = await t.store.queryPathInfo(new StorePath(app.out.dev!.slice(11)));
    assert.deepEqual(dev!.references.map(String), [app.out.out!.slice(11)]);
    assert.equal(readFileSync(t.real(app.out.out!) + '/uses-lib', 'utf8'), `${lib.out.out}\n`);
    assert.equal(statSync(t.real(app.out.out!)).mtimeMs, 1000);
  });

  it('builds the shared input of a diamond once and skips what is valid', async () => {
    const base = await t.add({ name: 'base', script: 'echo base > $out' });
    const left = await t.add({ name: 'left', deps: [base], script: `cat ${base.out.out} > $out; echo left >> $out` });
    const right = await t.add({ name: 'right', deps: [base], script: `cat ${base.out.out} > $out; echo right >> $out` });
    const top = await t.add({ name: 'top', deps: [left, right], script: `cat ${left.out.out} ${right.out.out} > $out` });
    const r = await t.realise([top]);
    assert.equal(r.result.exitStatus, 0, message(r));
    assert.deepEqual(freshBuilds(r.events).sort(), ['base.drv', 'left.drv', 'right.drv', 'top.drv']);
    assert.equal(readFileSync(t.real(top.out.out!), 'utf8'), 'base\nleft\nbase\nright\n');
    const again = await t.realise([top]);
    assert.deepEqual(freshBuilds(again.events), []);
    assert.deepEqual(again.events.find((e) => e.type === 'plan'), { type: 'plan', plan: { toBuild: [], toSubstitute: [], downloadSize: 0, narSize: 0 } });
  });

  it('shows each build of a chain the whole closure of its inputs, reached through references', async () => {
    let prev = await t.add({ name: 'link-0', script: 'echo 0 > $out' });
    const first = prev.out.out!;
    // Each output names the one before, so the first is in every later closure only through references.
    for (let i = 1; i < 5; i++) prev = await t.add({ name: `link-${i}`, deps: [prev], script: `echo "${i} $(cat ${first}) ${prev.out.out}" > $out` });
    const r = await t.realise([prev], { maxJobs: 1 });
    assert.equal(r.result.exitStatus, 0, message(r));
    assert.match(readFileSync(t.real(prev.out.out!), 'utf8'), /^4 0 \/nix\/store\/\w{32}-link-3\n$/);
  });

  it('never runs more builders at once than max-jobs', async () => {
    for (const maxJobs of [1, 3]) {
      const leaves = await Promise.all([0, 1, 2, 3, 4].map((i) => t.add({ name: `sleepy-${maxJobs}-${i}`, script: 'sleep 0.2; echo > $out' })));
      const r = await t.realise(leaves, { maxJobs });
      assert.equal(r.result.exitStatus, 0, message(r));
      let running = 0;
      let peak = 0;
      for (const e of r.events) {
        if (e.type === 'build-started') peak = Math.max(peak, ++running);
        if (e.type === 'build-succeeded') running--;
      }
      assert.equal(peak, maxJobs);
    }
  });

  it('stops at the first failure, fails its dependants and exits with 100', async () => {
    const bad = await t.add({ name: 'bad', script: 'for i in $(seq 1 30); do echo "line $i"; done; exit 3' });
    const dependant = await t.add({ name: 'after-bad', deps: [bad], script: 'echo > $out' });
    const r = await t.realise([dependant], { maxJobs: 1 });
    assert.equal(r.result.exitStatus, 100);
    assert.deepEqual(codes(r), ['E_BUILD_FAILED']);
    const printed = `/nix/store/${bad.drvPath.baseName}`;
    const lines = Array.from({ length: 25 }, (_, i) => `> line ${i + 6}\n`).join('');
    assert.equal(message(r), `builder for '${printed}' failed with exit code 3;\nlast 25 log lines:\n${lines}For full logs, run 'tix log ${printed}'.`);
    assert.equal(r.result.targets[0]!.ok, false);
    assert.deepEqual(freshBuilds(r.events), []);
    // The log is kept for `tix log`.
    assert.match(String(readBuildLog(t.store.layout, bad.drvPath)), /^line 1\n/);
  });

  it('keeps a small log as written and a large one compressed, each replacing the log of an earlier build', async () => {
    const cases = [
      { name: 'log-small', lines: 3, compressed: false },
      { name: 'log-large', lines: 20000, compressed: true },
    ];
    for (const c of cases) {
      const d = await t.add({ name: c.name, script: `i=0; while [ $i -lt ${c.lines} ]; do echo "line $i"; i=$((i+1)); done; echo > $out` });
      const expected = Array.from({ length: c.lines }, (_, i) => `line ${i}\n`).join('');
      for (const check of [false, true]) {
        const r = await t.realise([d], {}, { check });
        assert.equal(r.result.exitStatus, 0, message(r));
        assert.equal(String(readBuildLog(t.store.layout, d.drvPath)), expected);
        const plain = buildLogPath(t.store.layout, d.drvPath);
        assert.deepEqual([existsSync(plain), existsSync(`${plain}.zst`)], [!c.compressed, c.compressed], `${c.name}, check: ${check}`);
      }
    }
  });

  it('builds everything independent of a failure with keep-going', async () => {
    const bad = await t.add({ name: 'bad2', script: 'exit 1' });
    const needsBad = await t.add({ name: 'needs-bad', deps: [bad], script: 'echo > $out' });
    const good = await t.add({ name: 'good', script: 'echo good > $out' });
    const r = await t.realise([needsBad, good], { keepGoing: true, maxJobs: 1 });
    assert.equal(r.result.exitStatus, 100);
    assert.deepEqual(r.result.targets.map((x) => x.ok), [false, true]);
    assert.deepEqual(freshBuilds(r.events), ['good.drv']);
  });

  const failures = [
    { name: 'a builder outside the sandbox', spec: { name: 'nobuilder', script: 'true', builder: '/usr/bin/env' }, code: 'E_BUILDER_MISSING', re: /builder '\/usr\/bin\/env' of '.*-nobuilder.drv' does not exist in the sandbox/ },
    { name: 'an output the builder did not make', spec: { name: 'nooutput', script: 'true' }, code: 'E_OUTPUT_MISSING', re: /builder for '.*-nooutput.drv' failed to produce output path for output 'out' at '\/nix\/store\/.*-nooutput'/ },
    { name: 'a derivation for another system', spec: { name: 'arm', script: 'true', system: 'aarch64-linux' }, code: 'E_SYSTEM_MISMATCH', re: /a 'aarch64-linux' with features \{\} is required to build '.*-arm.drv', but I am a 'x86_64-linux'/ },
    { name: 'a reference forbidden by disallowedReferences', spec: { name: 'disallowed', script: 'echo $out > $out', env: { disallowedReferences: 'out' } }, code: 'E_OUTPUT_INVALID', re: /output '\/nix\/store\/.*-disallowed' is not allowed to refer to the following paths:\n  \/nix\/store\/.*-disallowed/ },
  ];
  for (const f of failures) {
    it(`reports ${f.name}`, async () => {
      const d = await t.add(f.spec);
      const r = await t.realise([d]);
      assert.deepEqual(codes(r), [f.code]);
      assert.match(message(r), f.re);
      assert.equal(existsSync(t.real(d.out.out!)), false);
    });
  }

  it('reports a .drv that is not in the store', async () => {
    const missing = new StorePath('00000000000000000000000000000000-missing.drv');
    await assert.rejects(t.realise([{ drvPath: missing }]), { code: 'E_BAD_DERIVATION', message: `path '/nix/store/${missing.baseName}' is not valid` });
  });

  it('reports a corrupt .drv with the byte offset', async () => {
    const p = new StorePath('11111111111111111111111111111111-corrupt.drv');
    await t.writeText(p, 'Derive([("out","/nix/store/x"', []);
    await assert.rejects(t.realise([{ drvPath: p }]), (e: Error & { code?: string; offset?: number }) => e.name === 'FormatError' && typeof e.offset === 'number');
  });

  it('accepts a fixed output with the right hash and reports a wrong one as Nix does (exit 102)', async () => {
    const good = await t.add({ name: 'fixed', script: 'echo fixed > $out', fixed: { method: 'flat', hash: hashBytes('sha256', 'fixed\n') } });
    const ok = await t.realise([good]);
    assert.equal(ok.result.exitStatus, 0, message(ok));
    const info = await t.store.queryPathInfo(new StorePath(good.out.out!.slice(11)));
    assert.equal(info!.ca?.method, 'flat');
    const wrong = hashBytes('sha256', 'something else\n');
    const bad = await t.add({ name: 'fixed-bad', script: 'echo fixed > $out', fixed: { method: 'nar', hash: wrong } });
    const r = await t.realise([bad]);
    assert.equal(r.result.exitStatus, 102);
    assert.match(message(r), new RegExp(`^hash mismatch in fixed-output derivation '/nix/store/${bad.drvPath.baseName}':\\n  specified: ${wrong.sri.replace(/[+/]/g, '\\$&')}\\n     got:    sha256-`));
  });

  it('rebuilds with check and reports a non-deterministic output (exit 104)', async () => {
    const det = await t.add({ name: 'det', script: 'echo same > $out' });
    const nondet = await t.add({ name: 'nondet', script: 'cat /proc/sys/kernel/random/uuid > $out' });
    assert.equal((await t.realise([det, nondet])).result.exitStatus, 0);
    const ok = await t.realise([det], {}, { check: true });
    assert.equal(ok.result.exitStatus, 0, message(ok));
    assert.deepEqual(freshBuilds(ok.events), ['det.drv']);
    const r = await t.realise([nondet], {}, { check: true });
    assert.equal(r.result.exitStatus, 104);
    assert.match(message(r), /^derivation '\/nix\/store\/.*-nondet.drv' may not be deterministic: output '\/nix\/store\/.*-nondet' differs$/);
    const never = await t.add({ name: 'never-built', script: 'echo > $out' });
    const imp = await t.realise([never], {}, { check: true });
    assert.deepEqual(codes(imp), ['E_CHECK_IMPOSSIBLE']);
  });

  it('neutralises setuid bits and hard links, and keeps nothing written outside the outputs', async () => {
    const input = await t.add({ name: 'input', script: 'echo input > $out' });
    const d = await t.add({
      name: 'sneaky',
      deps: [input],
      script: `mkdir $out; echo x > $out/suid; chmod 6755 $out/suid; ln ${input.out.out} $out/hard; echo stray > /nix/store/stray; echo escaped > /tmp/escaped`,
    });
    const r = await t.realise([d]);
    assert.equal(r.result.exitStatus, 0, message(r));
    const out = t.real(d.out.out!);
    assert.equal(lstatSync(join(out, 'suid')).mode & 0o7777, 0o555);
    assert.notEqual(statSync(join(out, 'hard')).ino, statSync(t.real(input.out.out!)).ino);
    assert.equal(statSync(join(out, 'hard')).nlink, 1);
    assert.equal(existsSync(join(t.store.realStoreDir, 'stray')), false);
    assert.equal(existsSync('/tmp/escaped'), false);
  });

  it('signs new outputs with the keys of secret-key-files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tix-key-'));
    try {
      const secretKey = generateSecretKey('test-key-1', randomBytes(32));
      const publicKey = toPublicKey(secretKey);
      writeFileSync(join(dir, 'sk'), printSecretKey(secretKey));
      const d = await t.add({ name: 'signed', script: 'echo signed > $out' });
      const r = await t.realise([d], { secretKeyFiles: [join(dir, 'sk')] });
      assert.equal(r.result.exitStatus, 0, message(r));
      const info = (await t.store.queryPathInfo(new StorePath(d.out.out!.slice(11))))!;
      assert.equal(info.sigs.length, 1);
      const v = verifyDetached(fingerprintPathInfo(info, t.store.storeDir), info.sigs[0]!, new Map([[publicKey.name, publicKey]]));
      assert.equal(v.status, 'valid');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams the log lines of running builds', async () => {
    const d = await t.add({ name: 'chatty', script: 'echo first; echo second >&2; echo > $out' });
    const r = await t.realise([d], {}, { streamLogs: true });
    const lines = r.events.flatMap((e: RealiseEvent) => (e.type === 'build-log' ? e.lines : []));
    assert.deepEqual(lines, ['first', 'second']);
  });

  it('removes every build tree, of builds that succeeded and failed, before it reports done', async () => {
    const buildDir = mkdtempSync(join(tmpdir(), 'tix-build-dirs-'));
    try {
      const lib = await t.add({ name: 'tree-lib', script: 'mkdir -p $out/a/b; echo x > $out/a/b/f; chmod -R a-w $out' });
      const ok = await t.add({ name: 'tree-ok', deps: [lib], script: 'mkdir $out; chmod a-w $out; mkdir -p keep/me; chmod a-w keep' });
      const bad = await t.add({ name: 'tree-bad', script: 'mkdir -p $out/x; chmod a-w $out; exit 1' });
      const r = await t.realise([ok, bad], { buildDir, keepGoing: true });
      assert.equal(r.events.at(-1)!.type, 'done');
      assert.deepEqual(r.result.targets.map((x) => x.ok), [true, false]);
      assert.deepEqual(readdirSync(buildDir), []);
      assert.deepEqual(readdirSync(join(t.store.realStoreDir, '.tix-builds')), []);
    } finally {
      rmSync(buildDir, { recursive: true, force: true });
    }
  });
});
