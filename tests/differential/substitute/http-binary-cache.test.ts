/**
 * Real Nix binary caches over HTTP as tix substituters: Nix 2.8 builds a small closure
 * (input-addressed, so only a signature makes it trusted), signs it and writes it with
 * `nix copy --to file://DIR?compression=C` for each compression; a loopback static file
 * server (a child process, since `runTix` blocks this one) serves the caches, and
 * `tix realise PATH --option substituters http://…` substitutes the closure into a fresh
 * tix store. The substituted paths must have Nix's NAR hashes and references; an unsigned
 * closure, a tampered NAR and a lower-priority cache must be handled as Nix handles them.
 */

import { strict as assert } from 'node:assert';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLocalBuildStore } from '../../../src/build/index.ts';
import { StorePath } from '../../../src/store/index.ts';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { killAll } from '../../support/child.ts';
import { type FileServer, startFileServer } from '../../support/file-server.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { runTix } from '../../support/tix-cli.ts';

const SKIP = NIX_SKIP || BUILD_SKIP;
const COMPRESSIONS = ['xz', 'zstd', 'bzip2', 'none'] as const;

const EXPR = `
let
  mk = name: script: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; };
  dep = mk "http-dep" "mkdir $out; echo dependency > $out/data; i=0; while [ $i -lt 3000 ]; do echo \\"line $i of the dependency\\"; i=$((i+1)); done > $out/lines";
in mk "http-top" "mkdir $out; echo \${dep} > $out/uses; echo top > $out/data; ln -s \${dep}/data $out/link"
`;

describe('http:// binary caches written by nix copy', { skip: SKIP }, () => {
  let nix: NixSandbox;
  let work: string;
  let server: FileServer | undefined;
  let http: string;
  let pk: string;
  /** The closure, references first: [dep, top]. */
  let closure: string[];
  let n = 0;

  before(async () => {
    nix = new NixSandbox();
    work = mkdtempSync(join(tmpdir(), 'tix-http-cache-'));
    writeFileSync(join(work, 'default.nix'), EXPR);
    const drv = nix.ok('nix-instantiate', [join(work, 'default.nix')]).trim();
    const top = nix.ok('nix-store', ['--realise', drv, '--option', 'sandbox', 'true', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox']).trim();
    closure = nix.ok('nix-store', ['--query', '--requisites', top]).trim().split('\n');
    assert.equal(closure.length, 2);
    nix.ok('nix-store', ['--generate-binary-cache-key', 'nix-http-test-1', join(work, 'sk'), join(work, 'pk')]);
    pk = readFileSync(join(work, 'pk'), 'utf8').trim();
    nix.ok('nix', ['store', 'sign', '--key-file', join(work, 'sk'), ...closure]);
    for (const c of COMPRESSIONS) nix.ok('nix', ['copy', '--to', `file://${work}/${c}?compression=${c}`, top]);
    server = await startFileServer(work);
    http = server.url;
  });

  after(() => {
    server?.stop();
    killAll();
    nix?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const top = (): string => closure[1]!;
  const newStore = (): string => join(work, `tix-${n++}`);
  const hashPart = (p: string): string => p.slice('/nix/store/'.length, '/nix/store/'.length + 32);

  function realise(store: string, substituters: string, trustedKeys = pk): ReturnType<typeof runTix> {
    return runTix(['realise', top(), '--store', store, '--option', 'substituters', substituters, '--option', 'trusted-public-keys', trustedKeys], { env: { TIX_CONF: '/dev/null' } });
  }

  /** The paths of `store` have Nix's NAR hashes and references. */
  async function assertSameAsNix(store: string): Promise<void> {
    const s = await openLocalBuildStore({ store });
    try {
      for (const p of closure) {
        const info = await s.queryPathInfo(new StorePath(p.slice('/nix/store/'.length)));
        assert.ok(info, `${p} is not valid in the tix store`);
        assert.equal(info.narHash.toString('nix32', true), nix.ok('nix-store', ['--query', '--hash', p]).trim(), p);
        assert.deepEqual(info.references.map((r) => `/nix/store/${r.baseName}`).sort(), nix.ok('nix-store', ['--query', '--references', p]).trim().split('\n').filter(Boolean).sort());
        assert.ok(info.sigs.some((sig) => sig.startsWith('nix-http-test-1:')), `${p} keeps Nix's signature`);
      }
    } finally {
      await s.close();
    }
    const real = storeLayout(store).realStoreDir;
    assert.equal(readFileSync(join(real, top().slice('/nix/store/'.length), 'uses'), 'utf8'), `${closure[0]}\n`);
  }

  for (const c of COMPRESSIONS) {
    it(`substitutes a closure whose NARs Nix compressed with ${c}`, async () => {
      // Not vacuous: the cache really holds NARs compressed this way.
      assert.match(readFileSync(join(work, c, `${hashPart(top())}.narinfo`), 'utf8'), new RegExp(`^Compression: ${c}$`, 'm'));
      const store = newStore();
      const r = realise(store, `${http}/${c}`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), `${top()}\n`);
      assert.match(r.stderr, new RegExp(`copying path '${closure[0]}' from '${http}/${c}'`));
      await assertSameAsNix(store);
    });
  }

  it('refuses a closure signed by a key that is not trusted', () => {
    const store = newStore();
    const r = realise(store, `${http}/zstd`, 'someone-else-1:' + Buffer.alloc(32, 7).toString('base64'));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`ignoring substitute for '${top()}' from '${http}/zstd': path '${top()}' is not signed by any of the keys in 'trusted-public-keys'`));
    assert.ok(!existsSync(join(storeLayout(store).realStoreDir, top().slice('/nix/store/'.length))));
  });

  it('refuses a NAR whose bytes differ from the signed NAR hash and leaves nothing behind', () => {
    cpSync(join(work, 'none'), join(work, 'tampered'), { recursive: true });
    const narinfo = readFileSync(join(work, 'tampered', `${hashPart(closure[0]!)}.narinfo`), 'utf8');
    const narFile = join(work, 'tampered', /^URL: (.*)$/m.exec(narinfo)![1]!);
    const nar = readFileSync(narFile);
    const at = nar.indexOf('line 1234 of');
    assert.ok(at > 0);
    nar[at] = 'L'.charCodeAt(0); // same size, other contents
    writeFileSync(narFile, nar);
    const store = newStore();
    const r = realise(store, `${http}/tampered`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /hash mismatch/);
    const real = storeLayout(store).realStoreDir;
    // Neither path is valid, and no temporary is left (in the store, its temp area or its build dir).
    const left = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);
    assert.deepEqual(left(real).filter((f) => f !== '.tix-builds' && f !== '.tix-tmp'), []);
    assert.deepEqual(left(join(real, '.tix-builds')), []);
    assert.deepEqual(left(join(real, '.tix-tmp')), []);
  });

  it('asks caches in the order of their priority: nix-cache-info, then ?priority= over it', () => {
    for (const [name, prio] of [['low', 80], ['high', 20]] as const) {
      cpSync(join(work, 'zstd'), join(work, name), { recursive: true });
      appendFileSync(join(work, name, 'nix-cache-info'), `Priority: ${prio}\n`);
    }
    const byInfo = realise(newStore(), `${http}/low ${http}/high`);
    assert.equal(byInfo.status, 0, byInfo.stderr);
    assert.match(byInfo.stderr, new RegExp(`copying path '${top()}' from '${http}/high'`));
    const byParam = realise(newStore(), `${http}/low?priority=10 ${http}/high`);
    assert.equal(byParam.status, 0, byParam.stderr);
    assert.match(byParam.stderr, new RegExp(`copying path '${top()}' from '${http}/low'`));
  });

  it('skips a cache for another store dir and a URL that is not a binary cache, with a warning', () => {
    cpSync(join(work, 'none'), join(work, 'other-dir'), { recursive: true });
    writeFileSync(join(work, 'other-dir', 'nix-cache-info'), 'StoreDir: /gnu/store\n');
    const r = realise(newStore(), `${http}/other-dir ${http}/no-such-cache ${http}/none`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`ignoring substituter '${http}/other-dir': binary cache '${http}/other-dir' is for Nix stores with prefix '/gnu/store', not '/nix/store'`));
    assert.match(r.stderr, new RegExp(`ignoring substituter '${http}/no-such-cache': '${http}/no-such-cache' does not appear to be a binary cache`));
    assert.match(r.stderr, new RegExp(`copying path '${top()}' from '${http}/none'`));
  });
});
