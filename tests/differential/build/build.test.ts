/**
 * tix builds against Nix 2.8 builds: the same derivations (written by `nix-instantiate`,
 * handed to tix through a `file://` binary cache that `nix copy` fills) built by
 * `nix-build --option sandbox true` and by `tix realise` must give the same output paths,
 * NAR hashes and references. One derivation dumps what the sandbox shows a builder
 * (environment, user, host name, /etc files, PID, umask), so equal NAR hashes mean an equal
 * builder environment.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLocalBuildStore } from '../../../src/build/index.ts';
import { StorePath } from '../../../src/store/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { runTix } from '../../support/tix-cli.ts';

const SKIP = NIX_SKIP || BUILD_SKIP;

const EXPR = `
let
  mk = name: script: extra: derivation ({ inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; } // extra);
  base = mk "base" "echo base > $out" {};
  left = mk "left" "mkdir $out; echo left > $out/f; echo \${base} > $out/ref; ln -s \${base} $out/link" {};
  right = mk "right" "mkdir $out; echo \\"$data\\" > $out/data; cat $dataPath >> $out/data" { data = "hello"; passAsFile = [ "data" ]; };
  multi = mk "multi" "mkdir $out $dev; echo $out > $dev/points-to-out; echo dev > $out/x; chmod +x $out/x" { outputs = [ "out" "dev" ]; };
  flat = mk "flat" "echo fixed > $out" { outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = builtins.hashString "sha256" "fixed\\n"; };
  recursive = mk "rec" "mkdir $out; echo r > $out/r" { outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "sha256-noxs68KJrs0ladf9044EKDAWqda9Td4e8z8xeGKW8DQ="; };
  sandbox = mk "sandbox" (builtins.concatStringsSep "; " [
    "mkdir $out" "export > $out/env" "id > $out/id" "hostname > $out/hostname" "cat /proc/sys/kernel/domainname > $out/domain"
    "cat /etc/passwd /etc/group /etc/hosts > $out/etc" "echo $$ > $out/pid" "umask > $out/umask" "pwd > $out/pwd" "ls /nix/store > $out/store"
    "ls /etc > $out/etc-files" "test -w /tmp && echo tmp-writable > $out/tmp" "ls -A /build > $out/build"
  ]) { deps = "\${left} \${right}"; };
  sa = derivation { name = "sa"; system = "x86_64-linux"; builder = "/bin/sh"; __structuredAttrs = true; outputs = [ "out" "dev" ];
    args = [ "-c" "out=$(sed -n \\"s/.*\\\\['out'\\\\]='\\\\([^']*\\\\)'.*/\\\\1/p\\" /build/.attrs.sh); dev=$(sed -n \\"s/.*\\\\['dev'\\\\]='\\\\([^']*\\\\)'.*/\\\\1/p\\" /build/.attrs.sh); mkdir $out $dev; cp /build/.attrs.json /build/.attrs.sh $out/" ];
    str = "quote \\" newline \\n tab \\t"; int = 42; float = 1.5; b = true; n = null; list = [ 1 "two" ]; attrs = { x = "y"; }; };
  top = mk "top" "mkdir $out; cat \${left}/f \${right}/data \${multi.dev}/points-to-out \${flat} \${recursive}/r > $out/all; echo \${sandbox} \${sa} > $out/refs" {};
in top
`;

describe('tix realise against nix-build', { skip: SKIP }, () => {
  let nix: NixSandbox;
  let work: string;
  let tixRoot: string;
  let drv: string;
  const nixOptions = ['--option', 'sandbox', 'true', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox', '--option', 'substituters', ''];

  before(() => {
    nix = new NixSandbox();
    work = mkdtempSync(join(tmpdir(), 'tix-build-diff-'));
    tixRoot = join(work, 'tix');
    writeFileSync(join(work, 'default.nix'), EXPR);
    drv = nix.ok('nix-instantiate', [join(work, 'default.nix')]).trim();
    nix.ok('nix', ['copy', '--derivation', '--to', `file://${work}/cache`, drv]);
  });

  after(() => {
    nix.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds every derivation to the same paths, NAR hashes and references as Nix 2.8', async () => {
    const built = nix.run('nix-store', ['--realise', drv, ...nixOptions]);
    assert.equal(built.status, 0, built.stderr);
    const r = runTix(['realise', drv, '--store', tixRoot, '--option', 'substituters', `file://${work}/cache?trusted=1`, '--option', 'sandbox-paths', '/bin/sh=/bin/busybox', '-Q']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), built.stdout.toString());

    const all = nix
      .ok('nix-store', ['--query', '--requisites', '--include-outputs', drv])
      .trim()
      .split('\n')
      .filter((p) => !p.endsWith('.drv'));
    assert.ok(all.length >= 10, all.join('\n'));
    const store = await openLocalBuildStore({ store: tixRoot });
    try {
      for (const p of all) {
        const info = await store.queryPathInfo(new StorePath(p.slice('/nix/store/'.length)));
        assert.ok(info, `${p} is not valid in the tix store`);
        assert.equal(info.narHash.toString('nix32', true), nix.ok('nix-store', ['--query', '--hash', p]).trim(), p);
        const refs = nix.ok('nix-store', ['--query', '--references', p]).trim().split('\n').filter(Boolean).sort();
        assert.deepEqual(info.references.map((x) => `/nix/store/${x.baseName}`).sort(), refs, p);
        assert.equal(info.deriver && `/nix/store/${info.deriver.baseName}`, nix.ok('nix-store', ['--query', '--deriver', p]).trim(), p);
      }
      // Not vacuous: the sandbox dump says what Nix's sandbox says.
      const dump = all.find((p) => p.endsWith('-sandbox'))!;
      assert.equal(readFileSync(join(tixRoot, dump, 'id'), 'utf8'), 'uid=1000(nixbld) gid=100(nixbld)\n');
      assert.equal(readFileSync(join(tixRoot, dump, 'pid'), 'utf8'), '1\n');
    } finally {
      await store.close();
    }
  });

  it('substitutes from a cache Nix signed when its key is trusted, and builds when it is not', () => {
    const cache = `file://${work}/signed`;
    nix.ok('nix-store', ['--generate-binary-cache-key', 'nix-test-cache-1', join(work, 'sk'), join(work, 'pk')]);
    nix.ok('nix', ['copy', '--derivation', '--to', cache, drv]);
    const outputs = nix.ok('nix-store', ['--query', '--requisites', '--include-outputs', drv]).trim().split('\n').filter((p) => !p.endsWith('.drv'));
    nix.ok('nix', ['copy', '--to', `${cache}?secret-key=${join(work, 'sk')}`, ...outputs]);
    const pk = readFileSync(join(work, 'pk'), 'utf8').trim();
    const common = ['--option', 'substituters', cache, '--option', 'sandbox-paths', '/bin/sh=/bin/busybox', '-Q'];
    const trusted = runTix(['realise', drv, '--store', join(work, 'tix-trusted'), '--option', 'trusted-public-keys', pk, ...common]);
    assert.equal(trusted.status, 0, trusted.stderr);
    assert.match(trusted.stderr, /copying path '\/nix\/store\/[a-z0-9]{32}-top' from 'file:\/\//);
    assert.doesNotMatch(trusted.stderr, /building '/);
    const untrusted = runTix(['realise', drv, '--store', join(work, 'tix-untrusted'), '--option', 'trusted-public-keys', '', ...common]);
    assert.equal(untrusted.status, 0, untrusted.stderr);
    assert.match(untrusted.stderr, /warning: ignoring substitute for '\/nix\/store\/[a-z0-9]{32}-top' from 'file:\/\/.*': path '.*' is not signed by any of the keys in 'trusted-public-keys'/);
    assert.match(untrusted.stderr, /building '\/nix\/store\/[a-z0-9]{32}-top.drv'/);
    assert.equal(untrusted.stdout.toString(), trusted.stdout.toString());
  });
});
