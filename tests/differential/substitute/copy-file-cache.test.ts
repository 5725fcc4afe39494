/**
 * `tix copy` and Nix 2.8's `nix copy` exchange `file://` binary caches both ways. Nix builds
 * a closure of three input-addressed paths (so only signatures make them trusted), signs it
 * with key A and writes it with `nix copy --to file://DIR?compression=C`; `tix copy --from`
 * brings it into a tix store (NAR hashes as Nix's, `tix store verify` clean). tix then writes
 * its own cache of that closure, adding a signature by key B (`secret-key-files`), and a
 * fresh Nix store that trusts only B takes it with `nix copy --from` and gets the same NAR
 * hashes. Error cases: a path that is not valid, a cache directory that cannot be made, a
 * corrupt narinfo.
 */

import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeNix32, parseHash } from '../../../src/hash/index.ts';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { runTix } from '../../support/tix-cli.ts';

const SKIP = NIX_SKIP || BUILD_SKIP;
const env = { TIX_CONF: '/dev/null' };

const EXPR = `
let
  mk = name: script: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; };
  base = mk "copy-base" "mkdir $out; echo base > $out/data; i=0; while [ $i -lt 2000 ]; do echo \\"line $i\\"; i=$((i+1)); done > $out/lines";
  mid = mk "copy-mid" "mkdir $out; echo \${base} > $out/uses; ln -s \${base}/data $out/link";
in mk "copy-top" "mkdir $out; echo \${mid} \${base} > $out/uses; echo top > $out/data"
`;

describe('tix copy and nix copy exchanging file:// binary caches', { skip: SKIP }, () => {
  let nix: NixSandbox;
  let work: string;
  let pkA: string;
  let pkB: string;
  /** The closure, references first: [base, mid, top]. */
  let closure: string[];
  let drv: string;
  let n = 0;
  const sandboxes: NixSandbox[] = [];

  before(() => {
    nix = new NixSandbox();
    work = mkdtempSync(join(tmpdir(), 'tix-copy-cache-'));
    writeFileSync(join(work, 'default.nix'), EXPR);
    drv = nix.ok('nix-instantiate', [join(work, 'default.nix')]).trim();
    const top = nix.ok('nix-store', ['--realise', drv, '--option', 'sandbox', 'true', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox']).trim();
    closure = nix.ok('nix-store', ['--query', '--requisites', top]).trim().split('\n');
    assert.equal(closure.length, 3);
    for (const k of ['a', 'b']) nix.ok('nix-store', ['--generate-binary-cache-key', `copy-test-${k}-1`, join(work, `sk-${k}`), join(work, `pk-${k}`)]);
    pkA = readFileSync(join(work, 'pk-a'), 'utf8').trim();
    pkB = readFileSync(join(work, 'pk-b'), 'utf8').trim();
    nix.ok('nix', ['store', 'sign', '--key-file', join(work, 'sk-a'), ...closure]);
    for (const c of ['none', 'xz', 'zstd', 'bzip2']) nix.ok('nix', ['copy', '--to', `file://${work}/nix-${c}?compression=${c}`, top]);
    nix.ok('nix', ['copy', '--derivation', '--to', `file://${work}/nix-drv`, drv]);
  });

  after(() => {
    for (const s of sandboxes) s.dispose();
    nix?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const top = (): string => closure[2]!;
  const hashPart = (p: string): string => p.slice('/nix/store/'.length, '/nix/store/'.length + 32);
  const nixHash = (p: string): string => nix.ok('nix-store', ['--query', '--hash', p]).trim();

  /** A fresh tix store holding the closure, copied from Nix's uncompressed cache. */
  function tixStoreWithClosure(): string {
    const store = join(work, `tix-${n++}`);
    const r = runTix(['copy', '--from', `file://${work}/nix-none`, top(), '--store', store, '--option', 'trusted-public-keys', pkA], { env });
    assert.equal(r.status, 0, r.stderr);
    return store;
  }

  for (const c of ['none', 'xz', 'zstd', 'bzip2']) {
    it(`copies from a cache nix copy wrote with compression ${c}: paths valid, NAR hashes Nix's, verify clean`, () => {
      assert.match(readFileSync(join(work, `nix-${c}`, `${hashPart(top())}.narinfo`), 'utf8'), new RegExp(`^Compression: ${c}$`, 'm'));
      const store = join(work, `tix-${n++}`);
      const r = runTix(['copy', '--from', `file://${work}/nix-${c}`, top(), '--store', store, '--option', 'trusted-public-keys', pkA], { env });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), `${top()}\n`);
      const info = runTix(['store', 'path-info', '--json', '--store', store, ...closure], { env });
      assert.equal(info.status, 0, info.stderr);
      const infos = JSON.parse(info.stdout.toString()) as Record<string, { narHash: string; references: string[] }>;
      for (const p of closure) {
        assert.equal(parseHash(infos[p]!.narHash).toString('nix32', true), nixHash(p), p);
        assert.deepEqual(infos[p]!.references.sort(), nix.ok('nix-store', ['--query', '--references', p]).trim().split('\n').filter(Boolean).sort());
      }
      const v = runTix(['store', 'verify', '--all', '--check-contents', '--store', store], { env });
      assert.equal(v.status, 0, v.stdout.toString() + v.stderr);
    });
  }

  it('copies a .drv as a path (with the derivations it needs) and builds nothing', () => {
    const store = join(work, `tix-${n++}`);
    const r = runTix(['copy', '--from', `file://${work}/nix-drv?trusted=1`, drv, '--store', store], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), `${drv}\n`);
    const real = storeLayout(store).realStoreDir;
    const drvs = nix.ok('nix-store', ['--query', '--requisites', drv]).trim().split('\n');
    assert.equal(drvs.length, 3);
    for (const d of drvs) assert.ok(existsSync(join(real, d.slice('/nix/store/'.length))), d);
    assert.ok(!existsSync(join(real, top().slice('/nix/store/'.length))), 'the output was not built');
  });

  it('refuses a cache signed by a key that is not trusted', () => {
    const store = join(work, `tix-${n++}`);
    const r = runTix(['copy', '--from', `file://${work}/nix-zstd`, top(), '--store', store, '--option', 'trusted-public-keys', pkB], { env });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /is not signed by any of the keys in 'trusted-public-keys'/);
  });

  const extension: Record<string, string> = { none: '', zstd: '.zst', xz: '.xz', bzip2: '.bz2' };
  for (const c of ['none', 'zstd', 'xz', 'bzip2']) {
    it(`writes a ${c} cache that nix copy --from accepts, signed by the secret key`, () => {
      const store = tixStoreWithClosure();
      const dir = join(work, `tix-cache-${c}`);
      // none through --option flags; zstd as the default, the key as Nix's `?secret-key=` store
      // parameter; xz and bzip2 as Nix's `?compression=`.
      const to = c === 'none'
        ? ['--to', `file://${dir}`, '--option', 'compression', 'none', '--option', 'secret-key-files', join(work, 'sk-b')]
        : ['--to', `file://${dir}?secret-key=${join(work, 'sk-b')}${c === 'zstd' ? '' : `&compression=${c}`}`];
      const r = runTix(['copy', ...to, top(), '--store', store], { env });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`copying path '${closure[0]}' to 'file://${dir}'`));
      assert.match(readFileSync(join(dir, 'nix-cache-info'), 'utf8'), /^StoreDir: \/nix\/store\nWantMassQuery: 1\nPriority: \d+\n$/);
      for (const p of closure) {
        const narinfo = readFileSync(join(dir, `${hashPart(p)}.narinfo`), 'utf8');
        assert.match(narinfo, new RegExp(`^Compression: ${c}$`, 'm'));
        assert.match(narinfo, /^Sig: copy-test-a-1:/m, 'keeps the signature the path had');
        assert.match(narinfo, /^Sig: copy-test-b-1:/m, 'adds one by secret-key-files');
        // The NAR file is named by the nix32 sha256 of its bytes, as Nix names it.
        const url = /^URL: (.*)$/m.exec(narinfo)![1]!;
        const file = readFileSync(join(dir, url));
        const fileHash = encodeNix32(new Uint8Array(createHash('sha256').update(file).digest()));
        assert.equal(url, `nar/${fileHash}.nar${extension[c]}`);
        assert.match(narinfo, new RegExp(`^FileHash: sha256:${fileHash}\nFileSize: ${file.length}$`, 'm'));
      }
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.tmp')), [], 'no temporary left');
      // A Nix store that trusts only key B.
      const dest = new NixSandbox();
      sandboxes.push(dest);
      const config = `experimental-features = nix-command\nsandbox = false\nsubstituters =\ntrusted-public-keys = ${pkB}\n`;
      dest.ok('nix', ['copy', '--from', `file://${dir}`, top()], { env: { NIX_CONFIG: config } });
      for (const p of closure) assert.equal(dest.ok('nix-store', ['--query', '--hash', p]).trim(), nixHash(p), p);
      dest.ok('nix-store', ['--verify', '--check-contents']);
      // Without the key, Nix refuses the same cache: the signature is what made it accepted.
      const other = new NixSandbox();
      sandboxes.push(other);
      const refused = other.run('nix', ['copy', '--from', `file://${dir}`, top()], { env: { NIX_CONFIG: config.replace(pkB, pkA.replace('copy-test-a-1', 'copy-test-c-1')) } });
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /lacks a valid signature/);
    });
  }

  it('skips paths whose narinfo the cache has already', () => {
    const store = tixStoreWithClosure();
    const dir = join(work, 'tix-cache-again');
    const args = ['copy', '--to', `file://${dir}`, top(), '--store', store, '--option', 'compression', 'none'];
    assert.equal(runTix(args, { env }).status, 0);
    const before = statSync(join(dir, `${hashPart(top())}.narinfo`)).mtimeMs;
    const marker = 'StorePath: left alone\n';
    writeFileSync(join(dir, `${hashPart(closure[0]!)}.narinfo`), marker);
    const r = runTix(args, { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, `${hashPart(closure[0]!)}.narinfo`), 'utf8'), marker);
    assert.equal(statSync(join(dir, `${hashPart(top())}.narinfo`)).mtimeMs, before);
    assert.equal(readdirSync(join(dir, 'nar')).length, 3);
  });

  it('reports a path that is not valid in the store', () => {
    const store = tixStoreWithClosure();
    const missing = '/nix/store/00000000000000000000000000000000-not-there';
    const r = runTix(['copy', '--to', `file://${work}/tix-cache-missing`, missing, '--store', store], { env });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`path '${missing}' is not valid`));
  });

  it('refuses to publish a path whose files no longer match its NAR hash, leaving no file behind', () => {
    const store = tixStoreWithClosure();
    const data = join(storeLayout(store).realStoreDir, top().slice('/nix/store/'.length), 'data');
    chmodSync(dirname(data), 0o755);
    chmodSync(data, 0o644);
    writeFileSync(data, 'TOP\n'); // same size, other bytes
    const dir = join(work, 'tix-cache-damaged');
    const r = runTix(['copy', '--to', `file://${dir}`, top(), '--store', store], { env });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`path '${top()}' does not match its registered NAR hash or size`));
    assert.ok(!existsSync(join(dir, `${hashPart(top())}.narinfo`)));
    assert.ok(existsSync(join(dir, `${hashPart(closure[0]!)}.narinfo`)), 'its references were written first');
    assert.equal(readdirSync(join(dir, 'nar')).length, 2, 'no NAR file for the damaged path, no temporary');
  });

  it('reports a cache directory that cannot be written', () => {
    const store = tixStoreWithClosure();
    // A regular file where a directory is needed (tests may run as root, for whom modes do not stop writes).
    writeFileSync(join(work, 'a-file'), '');
    const dir = join(work, 'a-file', 'cache');
    const r = runTix(['copy', '--to', `file://${dir}`, top(), '--store', store], { env });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`cannot write the binary cache '${dir}'`));
  });

  it('reports a corrupt narinfo with its file and line', () => {
    const dir = join(work, 'nix-corrupt');
    cpSync(join(work, 'nix-none'), dir, { recursive: true });
    const file = join(dir, `${hashPart(top())}.narinfo`);
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('NarSize: '));
    lines[at] = 'NarSize: lots';
    writeFileSync(file, lines.join('\n'));
    const store = join(work, `tix-${n++}`);
    const r = runTix(['copy', '--from', `file://${dir}`, top(), '--store', store, '--option', 'trusted-public-keys', pkA], { env });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`NAR info file '[^']*${hashPart(top())}.narinfo' is corrupt: invalid NarSize 'lots' at line ${at + 1}`));
    assert.ok(!existsSync(join(store, 'nix', 'store', top().slice('/nix/store/'.length))));
  });
});
