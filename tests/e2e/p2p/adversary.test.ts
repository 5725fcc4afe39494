/**
 * The adversary list of issue 6 against real nodes on loopback. One scripted malicious node
 * (tests/support/malicious-node.ts: a real TixNode whose inventory claims and answers come
 * from a script) holds made-up paths whose narinfos are signed by the team key the
 * fetching node B trusts, and lies about each in its own way; an honest node holds the
 * true versions of some. B is a real `tix node start`; `tix copy --from p2p -v` drives it.
 *
 * For every lie: B refuses it with a reason naming the peer (in `tix copy -v` and in B's
 * log), nothing of it becomes valid, `tix store verify --all --check-contents` stays clean,
 * no temporary is left, and nothing appears outside the store (the "outside" directory the
 * symlinks point at stays empty). Then the penalties: B skips the liar for the paths it
 * lied about and takes them from the honest node; node C, with the default threshold,
 * stops asking the liar anything after three lies, and `tix node status` shows it.
 */

import { strict as assert } from 'node:assert';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import type { NodeStatus } from '../../../src/substitute/index.ts';
import type { Script, ScriptEntry, WireLie } from '../../support/malicious-node.ts';
import { build } from '../../support/nar.ts';
import { type Child, killAll, repoRoot, spawnChild } from '../../support/child.ts';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';
import {
  dirNar, dirNode, fileNar, fileNode, madeUpPath, makeKey, signedPath, symlinkNode, type MadeUpPath,
} from '../../support/signed-paths.ts';
import { runTixAsync } from '../../support/tix-cli.ts';

interface Peer { child: Child; address: string; peerId: string; log: () => string }

/** Start malicious-node.ts with `script`; resolves once it listens. */
async function startScripted(dir: string, name: string, script: Script): Promise<Peer> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(script));
  const child = spawnChild(join(repoRoot, 'tests/support/malicious-node.ts'), [file]);
  const hello = await child.next((l) => typeof l.address === 'string');
  return { child, address: hello.address as string, peerId: hello.peerId as string, log: () => child.stderr() };
}

async function tix(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await runTixAsync(args, { env: { TIX_CONF: '/dev/null' } });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr };
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The entry that serves `p` as its narinfo and NAR say (or with `nar` and `wire` instead). */
const entry = (p: MadeUpPath, o: { narinfo?: string; nar?: Uint8Array; wire?: WireLie } = {}): ScriptEntry => ({
  storePath: p.printed, narinfo: o.narinfo ?? p.narinfo, narSize: p.narSize, nar: Buffer.from(o.nar ?? p.nar).toString('base64'), ...(o.wire ? { wire: o.wire } : {}),
});

describe('a malicious peer', () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-adversary-'));
  const outside = join(work, 'outside');
  const team = makeKey('team-1', 1);
  const stranger = makeKey('stranger-1', 2);
  const good = (name: string): MadeUpPath => signedPath(madeUpPath(name), fileNar(`contents of ${name}\n`), team.secret);
  const signed = (name: string, nar: Parameters<typeof signedPath>[1], refs: MadeUpPath['references'] = []): MadeUpPath => signedPath(madeUpPath(name), nar, team.secret, refs);

  /** The lies B must refuse: path, what the liar serves, the reason B must give. */
  const lies: { name: string; path: MadeUpPath; serve: ScriptEntry; reason: RegExp; kind: string }[] = [];
  const lie = (name: string, path: MadeUpPath, serve: ScriptEntry, reason: RegExp, kind = 'lie'): void => { lies.push({ name, path, serve, reason, kind }); };
  /** Paths the honest node has (the true versions of some lied-about paths). */
  const honestPaths: MadeUpPath[] = [];

  // --- NARs and narinfos that do not belong together ---
  const hm = good('adv-hash-mismatch');
  lie('a NAR whose hash does not match its narinfo (one byte changed)', hm, entry(hm, { nar: build(fileNar('Contents of adv-hash-mismatch\n')) }), /hash mismatch importing path/);
  honestPaths.push(hm);
  const op = good('adv-other-path');
  const opTwin = good('adv-other-pxth'); // same size, another path's valid NAR
  lie('the valid NAR of a different path', op, entry(op, { nar: opTwin.nar }), /hash mismatch importing path/);
  // --- valid trusted signatures over altered narinfos ---
  const fh = good('adv-forged-narhash');
  const evil = build(fileNar('evil, but the narinfo says it is fine\n'));
  const evilInfo = signedPath(fh.path, evil, undefined);
  const fhText = fh.narinfo.replace(/^NarHash: .*$/m, `NarHash: ${evilInfo.narHash}`).replace(/^NarSize: .*$/m, `NarSize: ${evil.length}`);
  lie('a trusted signature over a narinfo whose NarHash and NarSize were changed', fh, { ...entry(fh, { narinfo: fhText, nar: evil }), narSize: evil.length }, /signature by trusted key 'team-1' does not verify/);
  honestPaths.push(fh);
  const fr = good('adv-forged-refs');
  lie('a trusted signature over a narinfo whose References were changed', fr, entry(fr, { narinfo: fr.narinfo.replace(/^References: .*$/m, `References: ${hm.path.baseName}`) }), /does not verify/);
  const fp = good('adv-forged-path');
  const fpOther = good('adv-forged-pbth');
  lie('a trusted signature of another path under a changed StorePath', fp, entry(fp, { narinfo: fpOther.narinfo.replace(/^StorePath: .*$/m, `StorePath: ${fp.printed}`), nar: fpOther.nar }), /does not verify/);
  const un = signedPath(madeUpPath('adv-untrusted'), fileNar('signed by a stranger\n'), stranger.secret);
  lie('a signature by a key nobody trusts', un, entry(un), /signed only by keys that are not trusted: 'stranger-1'/, 'untrusted');
  // --- a reference outside the claimed closure ---
  const nobody = madeUpPath('adv-nobody-has-this');
  const dangling = signed('adv-dangling-ref', fileNar(`needs /nix/store/${nobody.baseName}\n`), [nobody]);
  lie('a trusted path whose reference nobody can provide', dangling, entry(dangling), new RegExp(`cannot substitute '/nix/store/${esc(nobody.baseName)}' from peers: no peer provides it`), 'fault');
  // --- streams ---
  const ov = good('adv-overflow');
  lie('more NAR bytes than NarSize', ov, entry(ov, { wire: 'overflow' }), /sent more than the \d+ NAR bytes it announced/);
  const ho = good('adv-header-over');
  lie('a NAR header announcing more than NarSize', ho, entry(ho, { wire: 'header-over' }), /announces a NAR of \d+ bytes .* more than the \d+ allowed/);
  const en = good('adv-endless');
  lie('a never-ending NAR stream', en, entry(en, { wire: 'endless' }), /sent more than the \d+ NAR bytes it announced/);
  const ee = good('adv-endless-empty');
  lie('a never-ending stream of empty nar-data frames', ee, entry(ee, { wire: 'endless-empty' }), /empty nar-data frame/);
  const zb = good('adv-zstd-bomb');
  lie('a zstd bomb B did not ask for', zb, entry(zb, { wire: 'zstd', nar: zstdCompressSync(new Uint8Array(64 << 20)) }), /sent zstd although it was not offered/);
  // --- malformed NARs (signed, with their true hash: only the NAR reader can stop them) ---
  const dd = signed('adv-dotdot', dirNar([['..', fileNode('escaped\n')]]));
  lie("a NAR entry named '..'", dd, entry(dd), /bad archive: NAR contains invalid file name '\.\.'/);
  const sl = signed('adv-slash', dirNar([['etc/passwd', fileNode('escaped\n')]]));
  lie("a NAR entry name with '/'", sl, entry(sl), /bad archive: NAR contains invalid file name 'etc\/passwd'/);
  const du = signed('adv-duplicate', dirNar([['a', symlinkNode(outside)], ['a', dirNode([['pwned', fileNode('written through the symlink\n')]])]]));
  lie('a duplicate entry: a symlink out of the store, then a directory of the same name', du, entry(du), /bad archive: NAR directory has a duplicate entry 'a'/);
  const us = signed('adv-unsorted', dirNar([['b', fileNode('b\n')], ['a', fileNode('a\n')]]));
  lie('unsorted entries', us, entry(us), /bad archive: NAR directory is not sorted/);
  // --- claims without the goods ---
  const ph = madeUpPath('adv-phantom');
  lie('an inventory claim for a path it does not have', { path: ph, printed: `/nix/store/${ph.baseName}` } as MadeUpPath, { storePath: `/nix/store/${ph.baseName}` }, /the peer does not have it/, 'missing');
  const phHonest = good('adv-phantom-honest');
  honestPaths.push(phHonest);

  /** Accepted as Nix accepts them: absolute symlinks are data. */
  const abs = signed('adv-abs-symlinks', dirNar([['data', fileNode('data\n')], ['escape', symlinkNode(outside)], ['passwd', symlinkNode('/etc/passwd')]]));
  const rootLink = signed('adv-root-symlink', ['nix-archive-1', '(', 'type', 'symlink', 'target', outside, ')']);
  /** Served honestly by the liar: what C must no longer ask it for once it is cooled down. */
  const liarHonest = good('adv-liar-honest');

  let liar: Peer;
  let honest: Peer;
  let b: NodeProcess;
  let c: NodeProcess | undefined;
  const root = (n: string): string => join(work, n);
  let batch: { status: number | null; stdout: string; stderr: string; ms: number };

  /** Mode and mtime of what the symlinks point at: a restore that followed them would change these. */
  const targets = (): string => [outside, '/etc/passwd'].map((f) => { const st = statSync(f); return `${f} ${st.mode} ${st.mtimeMs}`; }).join('\n');
  let targetsBefore = '';

  before(async () => {
    mkdirSync(outside);
    targetsBefore = targets();
    [liar, honest] = await Promise.all([
      startScripted(work, 'liar', {
        entries: [...lies.map((l) => l.serve), entry(abs), entry(rootLink), entry(liarHonest), { storePath: phHonest.printed }],
      }),
      startScripted(work, 'honest', { honest: true, entries: honestPaths.map((p) => entry(p)) }),
    ]);
    b = await NodeProcess.start({
      args: ['--store', root('b'), '--peer', liar.address, '--option', 'trusted-public-keys', team.publicKey,
        '--option', 'peer-penalty-threshold', '1000', '--option', 'stalled-download-timeout', '10'],
    });
    await waitFor('B to hold the liar\'s inventory', async () => ((await b.refresh()).peers.some((p) => p.peerId === liar.peerId && (p.paths ?? 0) > 0) ? true : undefined));
    const t0 = Date.now();
    batch = { ...(await tix(['copy', '--from', 'p2p', '--state', b.stateDir, '-v', ...lies.map((l) => l.path.printed)])), ms: 0 };
    batch.ms = Date.now() - t0;
  });

  after(async () => {
    liar?.child.kill('SIGTERM');
    honest?.child.kill('SIGTERM');
    const exited = (p: Peer | undefined) => p && Promise.race([p.child.exited, new Promise((r) => setTimeout(r, 5000))]);
    await Promise.all([b?.stop(), c?.stop(), exited(liar), exited(honest)]);
    killAll(); // whatever did not stop on SIGTERM
    rmSync(work, { recursive: true, force: true });
  });

  const validOnDisk = (store: string): string[] => {
    const dir = storeLayout(store).realStoreDir;
    return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')).sort() : [];
  };
  const assertClean = async (store: string): Promise<void> => {
    const v = await tix(['store', 'verify', '--store', store, '--all', '--check-contents']);
    assert.equal(v.status, 0, v.stderr);
    const temp = storeLayout(store).tempDir;
    assert.deepEqual(existsSync(temp) ? readdirSync(temp) : [], [], 'no temporaries left');
    assert.deepEqual(readdirSync(outside), [], 'nothing created outside the store');
    assert.equal(targets(), targetsBefore, 'symlink targets untouched (no chmod or utimes through a link)');
  };

  it('refuses the whole batch of lies: exit 1, nothing printed, nothing valid, store clean', async (t) => {
    t.diagnostic(`${lies.length} lying answers refused in ${batch.ms} ms (one tix copy)`);
    assert.equal(batch.status, 1, batch.stderr);
    assert.equal(batch.stdout, '');
    assert.deepEqual(validOnDisk(root('b')), []);
    await assertClean(root('b'));
  });

  for (const l of lies) {
    it(`refuses ${l.name}, naming the peer and the reason`, () => {
      const line = new RegExp(`^rejected '${esc(l.path.printed)}' from ${liar.peerId}: .*${l.reason.source}`, 'm');
      assert.match(batch.stderr, line);
      assert.match(batch.stderr, new RegExp(`^error: ${esc(l.path.path.baseName)}: cannot substitute`, 'm'));
      // B's own log says the same, with what it cost the peer.
      assert.match(b.log, new RegExp(`rejected '${esc(l.path.printed)}' from ${liar.peerId} \\((lie \\d+/1000|${l.kind})\\): .*${l.reason.source}`));
    });
  }

  it('did not make the missing reference valid either', () => {
    assert.ok(!validOnDisk(root('b')).includes(nobody.baseName));
    assert.ok(!validOnDisk(root('b')).includes(dangling.path.baseName));
  });

  it('restores absolute symlinks as symlinks, exactly as served, without following them', async () => {
    const r = await tix(['copy', '--from', 'p2p', '--state', b.stateDir, abs.printed, rootLink.printed]);
    assert.equal(r.status, 0, r.stderr);
    const real = storeLayout(root('b')).realStoreDir;
    assert.equal(readlinkSync(join(real, abs.path.baseName, 'escape')), outside);
    assert.equal(readlinkSync(join(real, abs.path.baseName, 'passwd')), '/etc/passwd');
    assert.ok(lstatSync(join(real, rootLink.path.baseName)).isSymbolicLink());
    assert.equal(readlinkSync(join(real, rootLink.path.baseName)), outside);
    // The store dumps the same NAR that was signed.
    for (const p of [abs, rootLink]) {
      const dump = await runTixAsync(['store', 'dump', '--store', root('b'), p.printed], { env: { TIX_CONF: '/dev/null' } });
      assert.deepEqual(new Uint8Array(dump.stdout), p.nar);
    }
    await assertClean(root('b'));
  });

  it('counts every rejection against the liar in tix node status --json, and nothing against the honest peer', async () => {
    const r = await tix(['node', 'status', '--state', b.stateDir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as NodeStatus;
    for (const k of ['peerId', 'addresses', 'httpPort', 'peers', 'announced', 'transfers', 'penalties']) assert.ok(k in s, `key ${k}`);
    const p = s.penalties.find((x) => x.peerId === liar.peerId);
    assert.ok(p, JSON.stringify(s.penalties));
    assert.equal(p.failures, lies.length);
    assert.equal(p.lies, lies.filter((l) => l.kind === 'lie').length);
    assert.equal(p.bannedPaths, lies.filter((l) => l.kind === 'lie' || l.kind === 'untrusted').length);
    assert.equal(p.cooldownUntil, null);
    assert.equal(s.penalties.some((x) => x.peerId === honest.peerId), false);
  });

  it('skips the liar for the paths it lied about and takes them from the honest peer; a false claim costs one quick round trip', async (t) => {
    await b.control((cc) => cc.connect(honest.address));
    await waitFor('B to hold the honest peer\'s inventory', async () => ((await b.refresh()).peers.some((p) => p.peerId === honest.peerId && (p.paths ?? 0) > 0) ? true : undefined));
    const asked = (): number => liar.log().split('\n').filter((l) => l.includes(hm.path.hashPart) || l.includes(fh.path.hashPart)).length;
    const before = asked();
    const t0 = Date.now();
    const r = await tix(['copy', '--from', 'p2p', '--state', b.stateDir, '-v', hm.printed, fh.printed, phHonest.printed]);
    t.diagnostic(`three paths from the honest peer in ${Date.now() - t0} ms`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, [hm, fh, phHonest].map((p) => `${p.printed}\n`).join(''));
    for (const p of [hm, fh]) assert.match(r.stderr, new RegExp(`not asking ${liar.peerId} for '${esc(p.printed)}': peer ${liar.peerId} is skipped for this path`));
    assert.equal(asked(), before, 'the liar was not asked again for the paths it lied about');
    // phHonest is claimed by both: if the liar was asked first, it cost a "does not have it".
    const claim = new RegExp(`rejected '${esc(phHonest.printed)}' from ${liar.peerId}: (.*)`).exec(r.stderr);
    if (claim) assert.match(claim[1]!, /the peer does not have it/);
    assert.equal(await tix(['store', 'cat', '--store', root('b'), hm.printed]).then((x) => x.stdout), 'contents of adv-hash-mismatch\n');
    await assertClean(root('b'));
  });

  it('asks one peer for many narinfos at once without being turned away as busy (4 streams per peer)', async () => {
    c = await NodeProcess.start({ args: ['--store', root('c'), '--peer', liar.address, '--option', 'trusted-public-keys', team.publicKey] });
    await waitFor('C to hold the liar\'s inventory', async () => ((await c!.refresh()).peers.some((p) => p.peerId === liar.peerId && (p.paths ?? 0) > 0) ? true : undefined));
    const served = lies.filter((l) => l.serve.narinfo !== undefined);
    const got = await c.control((cc) => cc.queryNarinfos(served.map((l) => l.path.printed)));
    assert.deepEqual(Object.keys(got).sort(), served.map((l) => l.path.printed).sort());
  });

  it('cools a peer down for every path after three lies (the default) and says so in the status', async () => {
    const cn = c!;
    const three = [dd, ov, sl]; // paths nobody has valid: C cannot get them elsewhere
    const r1 = await tix(['copy', '--from', 'p2p', '--state', cn.stateDir, ...three.map((p) => p.printed)]);
    assert.equal(r1.status, 1, r1.stderr);
    assert.match(cn.log, new RegExp(`peer ${liar.peerId} is skipped for every path for 600 s: 3 bad answers`));
    const before = liar.log().split('\n').filter((l) => l.includes(liarHonest.path.hashPart)).length;
    const r2 = await tix(['copy', '--from', 'p2p', '--state', cn.stateDir, '-v', liarHonest.printed]);
    assert.equal(r2.status, 1, r2.stderr);
    assert.match(r2.stderr, new RegExp(`error: ${esc(liarHonest.path.baseName)}: cannot substitute .*every provider is skipped: peer ${liar.peerId} is cooling down for \\d+ s more after 3 rejected answers`));
    assert.equal(liar.log().split('\n').filter((l) => l.includes(liarHonest.path.hashPart)).length, before, 'a cooled-down peer is not asked at all');
    const s = await cn.refresh();
    const p = s.penalties.find((x) => x.peerId === liar.peerId)!;
    assert.equal(p.cooldowns, 1);
    assert.ok(p.cooldownUntil !== null && p.cooldownUntil > Date.now());
    const human = await tix(['node', 'status', '--state', cn.stateDir]);
    assert.match(human.stdout, new RegExp(`^  ${liar.peerId}  3 rejected, 3 paths skipped, cooling down until \\S+; last: `, 'm'));
    assert.deepEqual(validOnDisk(root('c')), []);
    await assertClean(root('c'));
  });
});
