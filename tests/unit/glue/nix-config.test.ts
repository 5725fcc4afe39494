/**
 * loadNixConfig(): Nix's own settings files as `tix instantiate` reads them — system file,
 * user files, then NIX_CONFIG; later lines win, `extra-` appends, includes are followed, and
 * a malformed line is an error naming its file and line, as in Nix.
 */

import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadNixConfig } from '../../../src/glue/index.ts';

describe('loadNixConfig()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tix-nixconf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  };

  it('layers the system file, the user files and NIX_CONFIG in that order', () => {
    write('sys/nix.conf', 'show-trace = false\nnix-path = a=/x\ninclude extra.conf\n');
    write('sys/extra.conf', 'max-call-depth = 50 # from an include\n');
    const user = write('user.conf', 'show-trace = true\nextra-nix-path = b=/y\n!include missing.conf\n');
    const conf = loadNixConfig({ NIX_CONF_DIR: join(dir, 'sys'), NIX_USER_CONF_FILES: user, NIX_CONFIG: 'max-call-depth = 70' });
    assert.deepEqual(Object.fromEntries(conf), { 'show-trace': 'true', 'nix-path': 'a=/x b=/y', 'max-call-depth': '70' });
  });

  it('takes no file at all as no settings', () => {
    assert.equal(loadNixConfig({ NIX_CONF_DIR: join(dir, 'none'), NIX_USER_CONF_FILES: '' }).size, 0);
  });

  for (const [what, text, line] of [
    ['a line without =', 'show-trace = true\nbogus line\n', 2],
    ['a name glued to =', 'show-trace=true\n', 1],
    ['an include of a missing file', '\n\ninclude nowhere.conf\n', 3],
  ] as const) {
    it(`fails on ${what} with the file and line`, () => {
      const f = write(`bad/${line}-${what.length}/nix.conf`, text);
      assert.throws(() => loadNixConfig({ NIX_CONF_DIR: join(f, '..'), NIX_USER_CONF_FILES: '' }), (e: { whence?: string; line?: number; code?: string }) => {
        assert.equal(e.whence, f);
        assert.equal(e.line, line);
        assert.match(String(e.code), /^E_CONFIG_/);
        return true;
      });
    });
  }

  it('names NIX_CONFIG when the bad line comes from it', () => {
    assert.throws(() => loadNixConfig({ NIX_CONF_DIR: join(dir, 'none'), NIX_USER_CONF_FILES: '', NIX_CONFIG: 'ok = 1\nnot ok' }), { whence: 'NIX_CONFIG', line: 2 });
  });
});
