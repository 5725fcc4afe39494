import { strict as assert } from 'node:assert';
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canonicaliseOutput } from '../../../src/build/canonicalise.ts';

let root: string;

describe('canonicaliseOutput()', () => {
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'tix-canon-'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('makes files 0444 or 0555, directories 0555, mtime 1, and drops setuid, setgid and sticky bits', () => {
    const out = join(root, 'tree');
    mkdirSync(join(out, 'sub'), { recursive: true });
    writeFileSync(join(out, 'plain'), 'x');
    writeFileSync(join(out, 'sub', 'tool'), '#!/bin/sh\n');
    chmodSync(join(out, 'plain'), 0o6666);
    chmodSync(join(out, 'sub', 'tool'), 0o4755);
    chmodSync(join(out, 'sub'), 0o3777);
    symlinkSync('plain', join(out, 'link'));
    canonicaliseOutput(out);
    const mode = (p: string) => lstatSync(join(out, p)).mode & 0o7777;
    assert.equal(mode('plain'), 0o444);
    assert.equal(mode('sub/tool'), 0o555);
    assert.equal(mode('sub'), 0o555);
    assert.equal(mode(''), 0o555);
    for (const p of ['', 'plain', 'sub', 'sub/tool', 'link']) assert.equal(lstatSync(join(out, p)).mtimeMs, 1000, p);
  });

  it('replaces a hard link to a file outside the output by a copy, leaving that file alone', () => {
    const outside = join(root, 'store-file');
    writeFileSync(outside, 'shared');
    chmodSync(outside, 0o644);
    const out = join(root, 'linked');
    mkdirSync(out);
    linkSync(outside, join(out, 'f'));
    canonicaliseOutput(out);
    assert.notEqual(statSync(join(out, 'f')).ino, statSync(outside).ino);
    assert.equal(statSync(outside).mode & 0o777, 0o644);
    assert.notEqual(statSync(outside).mtimeMs, 1000);
  });

  it('rejects a socket in the output with the file named', async () => {
    const out = join(root, 'sock');
    mkdirSync(out);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(out, 's'), resolve));
    try {
      assert.throws(() => canonicaliseOutput(out), { code: 'E_OUTPUT_INVALID', message: `file '${join(out, 's')}' has an unsupported type` });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
