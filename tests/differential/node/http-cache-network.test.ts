/**
 * Real Nix substituting through a tix node that does not hold the paths: node A has a
 * closure signed with a team key; node B, connected to A with an empty store, serves
 * `--http-port`; Nix 2.8 (`nix-store -r` into a throw-away store, A's key trusted) gets the
 * closure through B's facade, which finds A in the P2P network, passes A's narinfos on
 * with their signatures and streams A's NARs. A path nobody has is a fast 404. Node L
 * holds the same closure but a file changed behind its database's back: B, connected
 * only to L, must abort the NAR response instead of finishing a wrong body.
 */

import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';
import { NodeProcess, waitFor } from '../../support/p2p-node.ts';
import { runTix } from '../../support/tix-cli.ts';

const SKIP = NIX_SKIP || BUILD_SKIP;

const EXPR = `
let
  mk = name: script: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; };
  # Over 1 MiB, so the NAR comes from A over the bulk channel.
  dep = mk "net-facade-dep" "mkdir $out; echo dependency > $out/data; p=0123456789abcdefghijklmnopqrstuvwxyz; p=$p$p$p$p$p$p$p$p; i=0; while [ $i -lt 3000 ]; do echo \\"line $i $p$p\\"; i=$((i+1)); done > $out/lines";
in mk "net-facade-top" "mkdir $out; echo \${dep} > $out/uses; ln -s \${dep}/data $out/link"
`;

describe('real Nix substituting through tix node --http-port from a peer', { skip: SKIP }, () => {
  let work: string;
  let nix: NixSandbox;
  const nodes: NodeProcess[] = [];
  let http: string;
  let httpViaLiar: string;
  let pk: string;
  let top: string;
  let dep: string;
  const tixEnv = { TIX_CONF: '/dev/null' };
  const root = (n: string): string => join(work, n);

  function tix(args: string[]): string {
    const r = runTix(args, { env: tixEnv });
    assert.equal(r.status, 0, `tix ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.toString();
  }

  async function sees(node: NodeProcess, peer: NodeProcess): Promise<void> {
    await waitFor(`${peer.peerId} to be a neighbour with paths`, async () => ((await node.refresh()).peers.some((p) => p.peerId === peer.peerId && (p.paths ?? 0) > 0) ? true : undefined));
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tix-http-net-'));
    writeFileSync(join(work, 'default.nix'), EXPR);
    writeFileSync(join(work, 'team.sk'), tix(['key', 'generate-secret', '--key-name', 'team-1']));
    pk = runTix(['key', 'convert-secret-to-public'], { input: readFileSync(join(work, 'team.sk')) }).stdout.toString().trim();
    const build = (store: string): string => tix(['build', join(work, 'default.nix'), '--no-out-link', '--store', store, '-Q', '--option', 'substituters', '',
      '--option', 'sandbox-paths', '/bin/sh=/bin/busybox', '--option', 'secret-key-files', join(work, 'team.sk')]).trim();
    top = build(root('a'));
    assert.equal(build(root('l')), top);
    dep = readFileSync(join(storeLayout(root('a')).realStoreDir, top.slice('/nix/store/'.length), 'uses'), 'utf8').trim();
    // L's copy of the dependency changes behind its database's back (same size, other bytes).
    const lines = join(storeLayout(root('l')).realStoreDir, dep.slice('/nix/store/'.length), 'lines');
    chmodSync(join(lines, '..'), 0o755);
    chmodSync(lines, 0o644);
    const honest = readFileSync(lines, 'utf8');
    const changed = honest.replace('line 7 ', 'line X ');
    assert.notEqual(changed, honest, 'the liar\'s copy must really differ');
    writeFileSync(lines, changed);
    const [a, l] = await Promise.all([NodeProcess.start({ args: ['--store', root('a')] }), NodeProcess.start({ args: ['--store', root('l')] })]);
    nodes.push(a, l);
    const [b, bl] = await Promise.all([
      NodeProcess.start({ args: ['--store', root('b'), '--peer', a.address, '--http-port', '0'] }),
      NodeProcess.start({ args: ['--store', root('bl'), '--peer', l.address, '--http-port', '0'] }),
    ]);
    nodes.push(b, bl);
    await Promise.all([sees(b, a), sees(bl, l)]);
    http = `http://127.0.0.1:${b.status.httpPort}`;
    httpViaLiar = `http://127.0.0.1:${bl.status.httpPort}`;
    nix = new NixSandbox();
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    nix?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const hashPart = (p: string): string => p.slice('/nix/store/'.length, '/nix/store/'.length + 32);

  it('serves a peer\'s narinfo with its signature and a content-addressed NAR URL', async () => {
    const text = await (await fetch(`${http}/${hashPart(top)}.narinfo`)).text();
    assert.match(text, new RegExp(`^StorePath: ${top}\nURL: nar/${hashPart(top)}-[0-9a-z]{52}\\.nar\nCompression: none\n`));
    assert.match(text, /^Sig: team-1:/m);
    const url = /^URL: (.*)$/m.exec(text)![1]!;
    const nar = await fetch(`${http}/${url}`);
    assert.equal(nar.status, 200);
    const body = new Uint8Array(await nar.arrayBuffer());
    assert.equal(body.length, Number(/^NarSize: (\d+)$/m.exec(text)![1]));
    // A stale NAR URL (another NAR hash) is a miss.
    assert.equal((await fetch(`${http}/nar/${hashPart(top)}-${'0'.repeat(52)}.nar`)).status, 404);
  });

  it('answers a path nobody has with a 404', async () => {
    const nobody = '0'.repeat(31) + '1';
    const r = await fetch(`${http}/${nobody}.narinfo`);
    assert.equal(r.status, 404);
    assert.equal((await fetch(`${http}/nar/${nobody}-${'1'.repeat(52)}.nar`)).status, 404);
  });

  it('lets nix-store -r substitute the closure through the node, checked by Nix', async () => {
    const r = nix.run('nix-store', ['--realise', top, '--option', 'substituters', http, '--option', 'trusted-public-keys', pk], {
      env: { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache') },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`copying path '${dep}' from '${http}'`));
    assert.match(r.stderr, new RegExp(`copying path '${top}' from '${http}'`));
    const verify = nix.run('nix-store', ['--verify-path', top]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(readFileSync(join(nix.root, dep, 'lines'), 'utf8'), readFileSync(join(storeLayout(root('a')).realStoreDir, dep.slice('/nix/store/'.length), 'lines'), 'utf8'));
    // The large dependency came from A over the bulk channel, not the libp2p stream.
    assert.ok((await nodes[0]!.refresh()).transfers.bulkNarsServed >= 1, 'A served a NAR over a bulk channel');
    // B passed the paths on without taking them into its own store.
    assert.notEqual(runTix(['store', 'path-info', '--store', root('b'), top], { env: tixEnv }).status, 0);
  });

  it('aborts the NAR response when the peer sends a NAR with the wrong hash', async () => {
    const text = await (await fetch(`${httpViaLiar}/${hashPart(dep)}.narinfo`)).text();
    const url = /^URL: (.*)$/m.exec(text)![1]!;
    // The connection is cut (before or after the status line): a failed download, never a full wrong body.
    await assert.rejects(async () => {
      const res = await fetch(`${httpViaLiar}/${url}`);
      await res.arrayBuffer();
      assert.fail(`answered ${res.status} with a complete body`);
    }, (e: Error) => !(e instanceof assert.AssertionError));
  });

  it('leaves Nix with a failed substitution, not a wrong path, when the only provider lies', () => {
    const fresh = new NixSandbox();
    try {
      const r = fresh.run('nix-store', ['--realise', dep, '--option', 'substituters', httpViaLiar, '--option', 'trusted-public-keys', pk], {
        env: { HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'cache-liar') },
      });
      assert.notEqual(r.status, 0, r.stderr);
      assert.notEqual(fresh.run('nix-store', ['--check-validity', dep]).status, 0);
    } finally {
      fresh.dispose();
    }
  });
});
