/**
 * Store paths damaged behind tix's back (issue 6, Faults): `tix store verify --all` reports
 * a deleted or modified path, and `--repair` restores it from a `file://` binary cache
 * whose NAR matches the registration, or by rebuilding its deriver; with neither it says
 * it cannot repair and changes nothing.
 */

import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeWritable } from '../../../src/store/local/canonicalise.ts';
import { storeLayout } from '../../../src/store/local/index.ts';
import { BUILD_SKIP } from '../../support/build.ts';
import { disposeAll, tempDir } from '../../support/temp-store.ts';
import { NO_CONFIG_ENV, runTix } from '../../support/tix-cli.ts';

after(disposeAll);

function tix(args: string[]) {
  const r = runTix(args, { env: NO_CONFIG_ENV, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr, bytes: r.stdout };
}

function source(text: string): string {
  const d = join(tempDir('tix-src-'), 'src');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'f'), text);
  return d;
}

/** A `file://` binary cache holding `path` as `nar` (uncompressed) with `narHash`/`narSize`. */
function binaryCache(path: string, nar: Buffer, narHash: string, narSize: number): string {
  const dir = tempDir('tix-cache-');
  mkdirSync(join(dir, 'nar'));
  writeFileSync(join(dir, 'nix-cache-info'), 'StoreDir: /nix/store\n');
  writeFileSync(join(dir, 'nar', 'p.nar'), nar);
  const hash = path.slice(11, 43);
  writeFileSync(join(dir, `${hash}.narinfo`), `StorePath: ${path}\nURL: nar/p.nar\nCompression: none\nNarHash: ${narHash}\nNarSize: ${narSize}\nReferences: \n`);
  return `file://${dir}?trusted=1`;
}

function pathInfo(root: string, path: string): { narHash: string; narSize: number } {
  return Object.values(JSON.parse(tix(['store', 'path-info', '--store', root, '--json', path]).stdout) as Record<string, { narHash: string; narSize: number }>)[0]!;
}

describe('tix store verify --repair', () => {
  it('restores a modified added path from a binary cache whose NAR matches', () => {
    const root = tempDir('tix-repair-');
    const src = source('good\n');
    const path = tix(['store', 'add', '--store', root, src]).stdout.trim();
    const nar = tix(['store', 'dump', '--store', root, path]).bytes;
    const { narHash, narSize } = pathInfo(root, path);
    const real = join(storeLayout(root).realStoreDir, path.slice(11));
    makeWritable(real);
    writeFileSync(join(real, 'f'), 'bad\n');

    const report = tix(['store', 'verify', '--store', root, '--all', '--check-contents']);
    assert.equal(report.status, 1);
    assert.match(report.stderr, new RegExp(`^error: path '${path}' was modified! expected hash`, 'm'));

    const sub = binaryCache(path, nar, narHash, narSize);
    const r = tix(['store', 'verify', '--store', root, '--all', '--check-contents', '--repair', '--option', 'substituters', sub]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^repaired '${path}' from 'file://`, 'm'));
    assert.equal(readFileSync(join(real, 'f'), 'utf8'), 'good\n');
    assert.equal(tix(['store', 'verify', '--store', root, '--all', '--check-contents']).status, 0);
  });

  it('refuses a substitute whose NAR hash differs from the registration, and says it cannot repair', () => {
    const root = tempDir('tix-repair-');
    const path = tix(['store', 'add', '--store', root, source('mine\n')]).stdout.trim();
    const { narHash, narSize } = pathInfo(root, path);
    // The cache serves another path's NAR under this path's name, with that NAR's hash.
    const otherRoot = tempDir('tix-other-');
    const otherPath = tix(['store', 'add', '--store', otherRoot, source('theirs\n')]).stdout.trim();
    const otherInfo = pathInfo(otherRoot, otherPath);
    const sub = binaryCache(path, tix(['store', 'dump', '--store', otherRoot, otherPath]).bytes, otherInfo.narHash, otherInfo.narSize);
    assert.notEqual(otherInfo.narHash, narHash);
    rmSync(join(storeLayout(root).realStoreDir, path.slice(11)), { recursive: true, force: true });

    const r = tix(['store', 'verify', '--store', root, '--all', '--repair', '--option', 'substituters', sub]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`^error: path '${path}' disappeared, but it is still valid in the database$`, 'm'));
    assert.match(r.stderr, new RegExp(`^error: cannot repair '${path}': the substitute from 'file://[^']+' has a different NAR hash than the registered path; its deriver is unknown$`, 'm'));
    assert.equal(pathInfo(root, path).narSize, narSize, 'the registration is unchanged');
  });

  it('rebuilds a deleted build output from its deriver, references first', { skip: BUILD_SKIP }, () => {
    const root = tempDir('tix-repair-');
    const expr = `let a = derivation { name = "rep-a"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo a > $out" ]; };
      in derivation { name = "rep-b"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "mkdir $out; cat \${a} > $out/x; echo \${a} > $out/ref" ]; }`;
    const b = tix(['build', '--store', root, '--no-out-link', '-Q', '-E', expr]);
    assert.equal(b.status, 0, b.stderr);
    const out = b.stdout.trim();
    const realStore = storeLayout(root).realStoreDir;
    // Delete b's output and its input a's output behind tix's back.
    const refs = JSON.parse(tix(['store', 'path-info', '--store', root, '--json', out]).stdout)[out].references as string[];
    const aOut = refs.find((r) => r.endsWith('-rep-a'))!;
    for (const p of [out, aOut]) {
      makeWritable(join(realStore, p.slice(11)));
      rmSync(join(realStore, p.slice(11)), { recursive: true, force: true });
    }
    const r = tix(['store', 'verify', '--store', root, '--all', '--repair']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('repaired'));
    assert.deepEqual(lines.map((l) => l.split("'")[1]), [aOut, out], 'references first');
    assert.match(lines[1]!, /by rebuilding '\/nix\/store\/[a-z0-9]{32}-rep-b\.drv'$/);
    assert.equal(readFileSync(join(realStore, out.slice(11), 'x'), 'utf8'), 'a\n');
    assert.equal(tix(['store', 'verify', '--store', root, '--all', '--check-contents']).status, 0);
  });
});
