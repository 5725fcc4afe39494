/**
 * Real Nix substituting from a tix node: tix builds a small closure signed with a team key
 * (and one path without a signature), `tix node start --http-port 0` serves the store as a
 * binary cache, and Nix 2.8 (`nix-store -r` into a throw-away store) fetches the closure
 * with its own signature and NAR hash checks. The unsigned path must be refused by Nix.
 */

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { NodeProcess } from '../../support/p2p-node.ts';
import { runTix } from '../../support/tix-cli.ts';

const SKIP = NIX_SKIP || BUILD_SKIP;

const EXPR = `
let
  mk = name: script: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; };
  dep = mk "facade-dep" "mkdir $out; echo dependency > $out/data; i=0; while [ $i -lt 2000 ]; do echo \\"line $i\\"; i=$((i+1)); done > $out/lines";
in {
  signed = mk "facade-top" "mkdir $out; echo \${dep} > $out/uses; ln -s \${dep}/data $out/link";
  unsigned = mk "facade-unsigned" "echo nobody signed this > $out";
}
`;

describe('real Nix substituting from tix node --http-port', { skip: SKIP }, () => {
  let work: string;
  let store: string;
  let nix: NixSandbox;
  let node: NodeProcess | undefined;
  let http: string;
  let pk: string;
  let top: string;
  let unsigned: string;
  const tixEnv = { TIX_CONF: '/dev/null' };

  function tix(args: string[]): string {
    const r = runTix(args, { env: tixEnv });
    assert.equal(r.status, 0, `tix ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.toString();
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tix-http-facade-'));
    store = join(work, 'tix');
    writeFileSync(join(work, 'default.nix'), EXPR);
    writeFileSync(join(work, 'team.sk'), tix(['key', 'generate-secret', '--key-name', 'team-1']));
    pk = runTix(['key', 'convert-secret-to-public'], { input: readFileSync(join(work, 'team.sk')) }).stdout.toString().trim();
    const build = ['build', join(work, 'default.nix'), '--no-out-link', '--store', store, '-Q', '--option', 'substituters', '', '--option', 'sandbox-paths', '/bin/sh=/bin/busybox'];
    top = tix([...build, '-A', 'signed', '--option', 'secret-key-files', join(work, 'team.sk')]).trim();
    unsigned = tix([...build, '-A', 'unsigned']).trim();
    node = await NodeProcess.start({ args: ['--store', store, '--http-port', '0'] });
    assert.equal(typeof node.status.httpPort, 'number');
    http = `http://127.0.0.1:${node.status.httpPort}`;
    nix = new NixSandbox();
  });

  after(async () => {
    await node?.stop();
    nix?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Nix with this cache as its only substituter; its narinfo cache kept in the test dir. */
  function nixFromNode(args: string[], trustedKeys = pk, into = nix): ReturnType<NixSandbox['run']> {
    return into.run('nix-store', [...args, '--option', 'substituters', http, '--option', 'trusted-public-keys', trustedKeys], {
      env: { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache') },
    });
  }

  const hashPart = (p: string): string => p.slice('/nix/store/'.length, '/nix/store/'.length + 32);

  it('answers nix-cache-info, narinfo and NAR requests, and misses with a 404', async () => {
    const info = await fetch(`${http}/nix-cache-info`);
    assert.equal(info.status, 200);
    assert.equal(await info.text(), 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
    const ni = await fetch(`${http}/${hashPart(top)}.narinfo`);
    assert.equal(ni.headers.get('content-type'), 'text/x-nix-narinfo');
    const text = await ni.text();
    assert.match(text, new RegExp(`^StorePath: ${top}\nURL: nar/${hashPart(top)}-[0-9a-z]{52}\\.nar\nCompression: none\n`));
    assert.match(text, /^Sig: team-1:/m);
    const url = /^URL: (.*)$/m.exec(text)![1]!;
    const head = await fetch(`${http}/${url}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), /^NarSize: (\d+)$/m.exec(text)![1]);
    const misses = [`${hashPart(top).replace(/^./, (c) => (c === '0' ? '1' : '0'))}.narinfo`, `nar/${hashPart(top)}-${'0'.repeat(52)}.nar`, `${url}.xz`, 'log/x'];
    for (const m of misses) assert.equal((await fetch(`${http}/${m}`)).status, 404, m);
    assert.equal((await fetch(`${http}/nix-cache-info`, { method: 'POST' })).status, 405);
  });

  it('lets nix-store -r substitute the signed closure, checked by Nix', () => {
    const r = nixFromNode(['--realise', top]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`copying path '${top}' from '${http}'`));
    const verify = nix.run('nix-store', ['--verify-path', top]);
    assert.equal(verify.status, 0, verify.stderr);
    const closure = nix.ok('nix-store', ['--query', '--requisites', top]).trim().split('\n');
    assert.equal(closure.length, 2);
    const real = storeLayout(store).realStoreDir;
    for (const p of closure) {
      const sigs = nix.ok('nix', ['path-info', '--sigs', p]);
      assert.match(sigs, /team-1:/, p);
    }
    assert.equal(readFileSync(join(nix.root, top, 'uses'), 'utf8'), readFileSync(join(real, top.slice('/nix/store/'.length), 'uses'), 'utf8'));
  });

  it('is refused by Nix for a path without a trusted signature', () => {
    const r = nixFromNode(['--realise', unsigned]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /does not have a valid signature|not signed/);
    assert.notEqual(nix.run('nix-store', ['--check-validity', unsigned]).status, 0);
    // The signed closure too, in a store whose Nix trusts another key only.
    const fresh = new NixSandbox();
    try {
      const other = nixFromNode(['--realise', top], 'other-1:' + Buffer.alloc(32, 1).toString('base64'), fresh);
      assert.notEqual(other.status, 0);
      assert.notEqual(fresh.run('nix-store', ['--check-validity', top]).status, 0);
    } finally {
      fresh.dispose();
    }
  });
});
