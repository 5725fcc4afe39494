/**
 * `tix store` as users run it, in separate processes: SIGKILL at random moments during
 * `tix store add` never leaves a broken store, two concurrent adds of one path add it
 * once, `--option`/`--store`/tix.conf reach every command.
 */

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { LocalStore, storeLayout } from '../../../src/store/local/index.ts';
import { killAll, repoRoot, spawnChild } from '../../support/child.ts';
import { disposeAll, makeSourceTree, tempDir } from '../../support/temp-store.ts';

after(disposeAll);
afterEach(killAll);

const tix = join(repoRoot, 'cli/launch.mjs'); // what bin/tix runs: the bundle, as users get it
const env = (conf: string) => ({ TIX_CONF: conf, XDG_CONFIG_HOME: '/nonexistent' });

function emptyConf(): string {
  const f = join(tempDir(), 'tix.conf');
  writeFileSync(f, '');
  return f;
}

function runTix(args: string[], conf = emptyConf()) {
  const r = spawnSync(join(repoRoot, 'node_modules/.bin/node'), ['--no-warnings', tix, ...args], { env: { ...process.env, ...env(conf) }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A tree big enough for a kill to land in the middle of adding it. */
function bigTree(): string {
  const root = makeSourceTree('big');
  for (let d = 0; d < 6; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < 50; f++) writeFileSync(join(root, `d${d}`, `f${f}`), `file ${d}/${f}\n`.repeat(20));
  }
  writeFileSync(join(root, 'large'), Buffer.alloc(2 << 20, 7));
  return root;
}

describe('tix store add under SIGKILL', () => {
  const iterations = Number(process.env.TIX_KILL_LOOP ?? 30);
  it(`leaves a consistent store after each of ${iterations} kills, and a retry succeeds`, async () => {
    const root = tempDir('tix-kill-');
    const src = bigTree();
    const conf = emptyConf();
    // Time one full add, to spread the kills over its whole duration.
    const t0 = performance.now();
    const first = runTix(['store', 'add', '--store', join(root, 'probe'), src], conf);
    assert.equal(first.status, 0, first.stderr);
    const full = performance.now() - t0;
    const expected = first.stdout.trim();
    let killedBeforeDone = 0;
    for (let i = 0; i < iterations; i++) {
      const child = spawnChild(tix, ['store', 'add', '--store', root, src], env(conf));
      const delay = Math.random() * full;
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      const code = await child.exited;
      if (code === 'SIGKILL') killedBeforeDone++;
      // Opening the store cleans up after the dead process; then everything valid must be intact.
      const store = await LocalStore.open(storeLayout(root), { fsync: false });
      try {
        const bad: string[] = [];
        for await (const ev of store.verify({ checkContents: true })) if (ev.type !== 'checked' && ev.type !== 'done') bad.push(`${ev.type} ${ev.path.baseName}`);
        assert.deepEqual(bad, [], `after kill ${i} at ${delay.toFixed(0)} ms`);
        assert.deepEqual(readdirSync(store.layout.tempDir), [], `temporaries left after kill ${i}`);
        const entries = readdirSync(store.layout.realStoreDir).filter((n) => n !== '.tix-tmp');
        for (const n of entries) assert.ok(await store.db.isValidPath(store.parseStorePath(`/nix/store/${n}`)), `unregistered ${n} after kill ${i}`);
        if (i % 3 === 2 && entries.length > 0) await store.deletePaths(entries.map((n) => store.parseStorePath(`/nix/store/${n}`)));
      } finally {
        await store.close();
      }
    }
    assert.ok(killedBeforeDone > 0, 'no kill landed before the add finished');
    const retry = runTix(['store', 'add', '--store', root, src], conf);
    assert.equal(retry.status, 0, retry.stderr);
    assert.equal(retry.stdout.trim(), expected);
    const verify = runTix(['store', 'verify', '--store', root, '--all', '--check-contents'], conf);
    assert.equal(verify.status, 0, verify.stderr);
  });
});

describe('concurrent tix store add', () => {
  it('adds the same path once when two processes add it at the same time', async () => {
    const root = tempDir('tix-conc-');
    const src = bigTree();
    const conf = emptyConf();
    // This process owns the DB and watches registrations from both children.
    const store = await LocalStore.open(storeLayout(root), { fsync: false });
    try {
      const ac = new AbortController();
      const registered: string[] = [];
      const watching = (async () => {
        for await (const ev of store.db.events(ac.signal)) if (ev.type === 'registered') registered.push(...ev.paths.map((p) => p.baseName));
      })();
      const a = spawnChild(tix, ['store', 'add', '--store', root, src], env(conf));
      const b = spawnChild(tix, ['store', 'add', '--store', root, src], env(conf));
      const [ca, cb] = await Promise.all([a.exited, b.exited]);
      assert.equal(ca, 0, a.stderr());
      assert.equal(cb, 0, b.stderr());
      const pa = (a.lines[0]!.text as string).trim();
      assert.equal(pa, (b.lines[0]!.text as string).trim());
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      await watching;
      assert.deepEqual(registered, [pa.slice('/nix/store/'.length)]);
      assert.deepEqual(readdirSync(store.layout.tempDir), []);
    } finally {
      await store.close();
    }
  });
});

describe('tix store commands', () => {
  it('runs add, path-info, verify, delete and gc on a --store directory', () => {
    const root = tempDir('tix-cmd-');
    const src = makeSourceTree('cmd');
    const add = runTix(['store', 'add', '--store', root, src]);
    assert.equal(add.status, 0, add.stderr);
    const p = add.stdout.trim();
    const info = JSON.parse(runTix(['store', 'path-info', '--store', root, '--json', p]).stdout) as Record<string, { narSize: number }>;
    assert.ok(info[p]!.narSize > 0);
    assert.equal(runTix(['store', 'verify', '--store', root, '--all', '--check-contents']).status, 0);
    mkdirSync(join(root, 'nix/var/tix/gcroots'), { recursive: true });
    spawnSync('ln', ['-s', p, join(root, 'nix/var/tix/gcroots/keep')]);
    const refused = runTix(['store', 'delete', '--store', root, p]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /since it is still alive/);
    assert.match(runTix(['store', 'gc', '--store', root, '--print-roots']).stdout, new RegExp(`keep -> ${p}`));
    spawnSync('rm', [join(root, 'nix/var/tix/gcroots/keep')]);
    const gc = runTix(['store', 'gc', '--store', root]);
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(gc.stdout, /^1 store paths deleted, [0-9.]+ KiB freed\n$/);
    assert.equal(runTix(['store', 'path-info', '--store', root, p]).status, 1);
  });

  it('honours store = in tix.conf and --option over it', () => {
    const root = tempDir('tix-optstore-');
    const conf = join(tempDir(), 'tix.conf');
    writeFileSync(conf, `store = ${root}\n`);
    const add = runTix(['store', 'add', makeSourceTree('conf')], conf);
    assert.equal(add.status, 0, add.stderr);
    assert.deepEqual(readdirSync(join(root, 'nix/store')).filter((n) => !n.startsWith('.')).length, 1);
    const other = tempDir('tix-optstore2-');
    assert.equal(runTix(['store', 'add', '--option', 'store', other, makeSourceTree('conf2')], conf).status, 0);
    assert.equal(readdirSync(join(other, 'nix/store')).filter((n) => !n.startsWith('.')).length, 1);
  });

  it('reports a malformed tix.conf with its file and line', () => {
    const conf = join(tempDir(), 'tix.conf');
    writeFileSync(conf, '# ok\nmax-jobs = 2\nrequire-sigs = sometimes\n');
    const r = runTix(['store', 'path-info', '--store', tempDir(), '/nix/store/00000000000000000000000000000000-x'], conf);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `error: Boolean setting 'require-sigs' has invalid value 'sometimes' (${conf}, line 3)\n`);
  });

  it('warns about an unknown --option and carries on', () => {
    const r = runTix(['store', 'gc', '--store', tempDir(), '--print-roots', '--option', 'no-such-setting', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "warning: unknown setting 'no-such-setting' (--option)\n");
  });
});
