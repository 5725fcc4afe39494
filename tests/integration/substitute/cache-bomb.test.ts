/**
 * Decompression bombs in a Nix binary cache, over `file://` and `http://`: a narinfo signed
 * by a trusted key announces a NAR of a few hundred bytes, and the `.nar.zst` / `.nar.xz`
 * file it points to inflates to a well-formed NAR of many MiB (one file of zeros). `tix
 * realise` must stop at the announced NarSize while the NAR streams in (not after writing
 * what it inflates to), fail with the reason, and leave nothing behind.
 */

import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createZstdCompress } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { build } from '../../support/nar.ts';
import { type FileServer, startFileServer } from '../../support/file-server.ts';
import { fileNar, madeUpPath, makeKey, signedPath, type MadeUpPath } from '../../support/signed-paths.ts';
import { runTixAsync } from '../../support/tix-cli.ts';

const XZ_SKIP = spawnSync('xz', ['--version']).status === 0 ? false : 'xz is not installed';

/** A NAR of one regular file of `size` zero bytes, as chunks (never held whole). */
function* bigNar(size: number): Generator<Uint8Array> {
  const head = build(['nix-archive-1', '(', 'type', 'regular', 'contents']);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(size), true);
  yield head;
  yield len;
  const zeros = new Uint8Array(1 << 20);
  for (let left = size; left > 0; left -= zeros.length) yield zeros.subarray(0, Math.min(left, zeros.length));
  yield build([')']);
}

describe('a decompression bomb in a binary cache', () => {
  const work = mkdtempSync(join(tmpdir(), 'tix-cache-bomb-'));
  const cache = join(work, 'cache');
  const team = makeKey('team-1', 1);
  const bombs: { compression: string; inflated: number; path: MadeUpPath }[] = [];
  let server: FileServer | undefined;

  before(async () => {
    mkdirSync(join(cache, 'nar'), { recursive: true });
    writeFileSync(join(cache, 'nix-cache-info'), 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n');
    const add = async (compression: 'zstd' | 'xz', inflated: number): Promise<void> => {
      const url = `nar/bomb.nar.${compression === 'zstd' ? 'zst' : 'xz'}`;
      // What the narinfo vouches for: a small NAR (its hash and size are signed).
      const p = signedPath(madeUpPath(`bomb-${compression}`), fileNar('small\n'), team.secret, [], { compression, url });
      const out = join(cache, url);
      if (compression === 'zstd') {
        await pipeline(Readable.from(bigNar(inflated)), createZstdCompress(), createWriteStream(out));
      } else {
        const xz = spawn('xz', ['-1', '-T1', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
        await Promise.all([pipeline(Readable.from(bigNar(inflated)), xz.stdin), pipeline(xz.stdout, createWriteStream(out))]);
      }
      writeFileSync(join(cache, `${p.path.hashPart}.narinfo`), p.narinfo);
      bombs.push({ compression, inflated, path: p });
    };
    await add('zstd', 256 << 20);
    if (!XZ_SKIP) await add('xz', 16 << 20);
    server = await startFileServer(cache);
  });

  after(() => {
    server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const via of ['file', 'http'] as const) {
    for (const compression of ['zstd', 'xz'] as const) {
      it(`stops a ${compression} NAR at its announced size over ${via}://, with nothing left behind`, { skip: compression === 'xz' && XZ_SKIP }, async (t) => {
        const bomb = bombs.find((b) => b.compression === compression)!;
        const store = join(work, `store-${via}-${compression}`);
        const t0 = Date.now();
        const r = await runTixAsync(['realise', '--store', store, bomb.path.printed,
          '--option', 'substituters', via === 'file' ? `file://${cache}` : server!.url, '--option', 'trusted-public-keys', team.publicKey],
        { env: { TIX_CONF: '/dev/null' } });
        t.diagnostic(`${compression} bomb (${bomb.inflated >> 20} MiB inflated, ${bomb.path.narSize} bytes announced) refused in ${Date.now() - t0} ms`);
        assert.notEqual(r.status, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`NAR of '${bomb.path.printed}' is longer than the ${bomb.path.narSize} bytes its path info says; stopped after \\d+ bytes`));
        const v = await runTixAsync(['store', 'verify', '--store', store, '--all', '--check-contents'], { env: { TIX_CONF: '/dev/null' } });
        assert.equal(v.status, 0, v.stderr);
        const real = storeLayout(store).realStoreDir;
        assert.deepEqual(existsSync(real) ? readdirSync(real).filter((n) => !n.startsWith('.')) : [], []);
        const temp = storeLayout(store).tempDir;
        assert.deepEqual(existsSync(temp) ? readdirSync(temp) : [], []);
      });
    }
  }
});
