/**
 * Substitution between real nodes, as a team would run them: node A builds a derivation
 * (outputs signed with the team key) and adds two paths; node L holds the same paths but
 * lies (its builds are signed with a key nobody trusts, one path's file was changed after
 * registration, one was truncated). Node B trusts only the team key: with L as its only
 * peer every path is refused and nothing is left behind; once A is connected too, `tix
 * build` of the derivation substitutes the whole closure through B without building, and
 * `tix copy --from p2p` fetches the rest.
 */

import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP, type DrvRef, TestStore } from '../../support/build.ts';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';
import { runTixAsync } from '../../support/tix-cli.ts';

const NO_SUBST = ['--option', 'substituters', '', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox'];

async function tix(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await runTixAsync(args, { env: { TIX_CONF: '/dev/null', ...env } });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr };
}

async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await tix(args, env);
  assert.equal(r.status, 0, `tix ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Make `root` hold the derivations (written as the evaluator would) and return them. */
async function addDrvs(root: string): Promise<{ dep: DrvRef; top: DrvRef }> {
  const t = await TestStore.open(root);
  try {
    const dep = await t.add({ name: 'p2p-dep', script: 'mkdir $out; echo dependency > $out/data' });
    const top = await t.add({ name: 'p2p-top', deps: [dep], script: `mkdir $out; echo ${dep.out.out} > $out/uses; echo top > $out/data` });
    return { dep, top };
  } finally {
    // Not t.close(): that deletes the store.
    await t.store.close();
  }
}

describe('substitution between tix nodes', { skip: BUILD_SKIP }, () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-p2p-e2e-'));
  const root = (n: string): string => join(work, n);
  let teamPk: string;
  let drvs: { dep: DrvRef; top: DrvRef };
  /** Source trees added to A and L: same contents, so the same content-addressed paths. */
  const added: string[] = [];
  let a: NodeProcess | undefined;
  let l: NodeProcess | undefined;
  let b: NodeProcess | undefined;

  before(async () => {
    writeFileSync(join(work, 'team.sk'), await ok(['key', 'generate-secret', '--key-name', 'team-1']));
    writeFileSync(join(work, 'liar.sk'), await ok(['key', 'generate-secret', '--key-name', 'liar-1']));
    teamPk = (await runTixAsync(['key', 'convert-secret-to-public'], { input: readFileSync(join(work, 'team.sk')) })).stdout.toString();
    for (const [i, body] of ['changed after registration\n', 'y'.repeat(200_000)].entries()) {
      mkdirSync(join(work, `src${i}`));
      writeFileSync(join(work, `src${i}`, 'file'), body);
    }
    // A: builds with the team key, adds and signs the sources.
    drvs = await addDrvs(root('a'));
    await addDrvs(root('l'));
    const drvArg = `/nix/store/${drvs.top.drvPath.baseName}`;
    await ok(['build', drvArg, '--no-out-link', '--store', root('a'), ...NO_SUBST, '--option', 'secret-key-files', join(work, 'team.sk')]);
    await ok(['build', drvArg, '--no-out-link', '--store', root('l'), ...NO_SUBST, '--option', 'secret-key-files', join(work, 'liar.sk')]);
    for (let i = 0; i < 2; i++) {
      const p = (await ok(['store', 'add', '--store', root('a'), join(work, `src${i}`)])).trim();
      assert.equal((await ok(['store', 'add', '--store', root('l'), join(work, `src${i}`)])).trim(), p);
      await ok(['store', 'sign', '--store', root('a'), '--key-file', join(work, 'team.sk'), p]);
      added.push(p);
    }
    // L's copies go bad behind its database's back: one changed (same size), one truncated.
    const lStore = storeLayout(root('l')).realStoreDir;
    const f0 = join(lStore, added[0]!.slice('/nix/store/'.length), 'file');
    const f1 = join(lStore, added[1]!.slice('/nix/store/'.length), 'file');
    for (const f of [f0, f1]) { chmodSync(join(f, '..'), 0o755); chmodSync(f, 0o644); }
    writeFileSync(f0, 'CHANGED after registration\n');
    truncateSync(f1, 1000);
    [a, l] = await Promise.all([
      NodeProcess.start({ args: ['--store', root('a')] }),
      NodeProcess.start({ args: ['--store', root('l')] }),
    ]);
    b = await NodeProcess.start({ args: ['--store', root('b'), '--peer', l.address, '--option', 'trusted-public-keys', teamPk] });
  });

  after(async () => {
    await Promise.all([a?.stop(), l?.stop(), b?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  const outPaths = (): string[] => [drvs.top.out.out!, drvs.dep.out.out!];
  const copy = (paths: string[]) => tix(['copy', '--from', 'p2p', '--state', b!.stateDir, '-v', ...paths]);
  const isValid = async (p: string, store: string): Promise<boolean> => (await tix(['store', 'path-info', '--store', store, p])).status === 0;

  it('refuses every lying answer and leaves nothing behind when only the liar has the paths', async () => {
    await waitFor('B to see L\'s inventory', async () => ((await b!.refresh()).peers.some((p) => p.peerId === l!.peerId && (p.paths ?? 0) > 0) ? true : undefined));
    const r = await copy([...outPaths(), ...added]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /not signed by any of the keys trusted|no signature|signed/i);
    assert.match(r.stderr, /hash mismatch importing path '.*-src0'/);
    assert.match(r.stderr, new RegExp(`rejected '${added[1]}' from ${l!.peerId}: .*(size|truncat|end|reset)`, 'i'));
    for (const p of [...outPaths(), ...added]) assert.equal(await isValid(p, root('b')), false, `${p} must not be valid`);
    const temp = storeLayout(root('b')).tempDir;
    assert.deepEqual(existsSync(temp) ? readdirSync(temp) : [], []);
  });

  it('tix build substitutes the whole closure through the running node once an honest peer is connected', async () => {
    await b!.control((c) => c.connect(a!.address));
    await waitFor('B to see A\'s inventory', async () => ((await b!.refresh()).peers.some((p) => p.peerId === a!.peerId && (p.paths ?? 0) > 0) ? true : undefined));
    const r = await tix(['build', `/nix/store/${drvs.top.drvPath.baseName}`, '--no-out-link', '--store', root('b'),
      '--option', 'substituters', '', '--option', 'trusted-public-keys', teamPk], { TIX_STATE_DIR: b!.stateDir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${drvs.top.out.out}\n`);
    assert.doesNotMatch(r.stderr, /building '/);
    assert.equal((await ok(['store', 'cat', '--store', root('b'), `${drvs.top.out.out}/uses`])).trim(), drvs.dep.out.out);
    await ok(['store', 'verify', '--store', root('b'), '--sigs', '--option', 'trusted-public-keys', teamPk, ...outPaths()]);
  });

  it('tix copy --from p2p takes from the honest peer what the liar spoiled', async () => {
    const r = await copy(added);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, added.map((p) => `${p}\n`).join(''));
    assert.equal(await ok(['store', 'cat', '--store', root('b'), `${added[0]}/file`]), 'changed after registration\n');
    assert.equal((await ok(['store', 'cat', '--store', root('b'), `${added[1]}/file`])).length, 200_000);
    await ok(['store', 'verify', '--store', root('b'), '--check-contents', ...added]);
  });

  it('announces what it substituted and serves it on after the builder stops', async () => {
    await waitFor('B to announce its new paths', async () => ((await b!.refresh()).announced >= 4 ? true : undefined));
    await a!.stop();
    a = undefined;
    const c = await NodeProcess.start({ args: ['--store', root('c'), '--peer', b!.address, '--option', 'trusted-public-keys', teamPk] });
    try {
      await waitFor('C to see B\'s inventory', async () => ((await c.refresh()).peers.some((p) => p.peerId === b!.peerId && (p.paths ?? 0) > 0) ? true : undefined));
      const r = await tix(['copy', '--from', 'p2p', '--state', c.stateDir, drvs.top.out.out!]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(await isValid(drvs.dep.out.out!, root('c')), true);
    } finally {
      await c.stop();
    }
  });
});
