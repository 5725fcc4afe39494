import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configFiles, loadSettings } from '../../../src/config/load.ts';

const ctx = { cpuCount: 2, system: 'x86_64-linux' };
const dir = mkdtempSync(join(tmpdir(), 'tix-conf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('configFiles()', () => {
  it('lists the system file then the XDG user file', () => {
    assert.deepEqual(configFiles({ XDG_CONFIG_HOME: '/x' }).map((f) => f.path), ['/etc/tix/tix.conf', '/x/tix/tix.conf']);
  });
  it('falls back to ~/.config', () => {
    assert.deepEqual(configFiles({ HOME: '/h' }).map((f) => f.path), ['/etc/tix/tix.conf', '/h/.config/tix/tix.conf']);
  });
  it('uses only TIX_CONF when set', () => {
    assert.deepEqual(configFiles({ TIX_CONF: '/c.conf', HOME: '/h' }), [{ path: '/c.conf', required: true }]);
  });
});

describe('loadSettings()', () => {
  it('reads the user file and lets --option override it', () => {
    write('xdg/tix/tix.conf', 'max-jobs = 3\ncores = 2\n');
    const { settings, files } = loadSettings({ env: { XDG_CONFIG_HOME: join(dir, 'xdg') }, options: [['cores', '7']], context: ctx });
    assert.equal(settings.maxJobs, 3);
    assert.equal(settings.cores, 7);
    assert.ok(files.includes(join(dir, 'xdg/tix/tix.conf')));
  });

  it('applies TIX_CONFIG text after the files', () => {
    const conf = write('a.conf', 'keep-going = false\n');
    const { settings } = loadSettings({ env: { TIX_CONF: conf, TIX_CONFIG: 'keep-going = true' }, context: ctx });
    assert.equal(settings.keepGoing, true);
  });

  it('lets --store override the store setting', () => {
    const conf = write('b.conf', 'store = /from/file\n');
    assert.equal(loadSettings({ env: { TIX_CONF: conf }, store: '/from/flag', context: ctx }).settings.store, '/from/flag');
    assert.equal(loadSettings({ env: { TIX_CONF: conf }, context: ctx }).settings.store, '/from/file');
  });

  it('warns about unknown settings in files and --option', () => {
    const conf = write('c.conf', 'x = 1\n');
    const { warnings } = loadSettings({ env: { TIX_CONF: conf }, options: [['y', '2']], context: ctx });
    assert.deepEqual(warnings, [`unknown setting 'x' (${conf}, line 1)`, "unknown setting 'y' (--option)"]);
  });

  it('fails on a malformed value with file and line', () => {
    const conf = write('d.conf', '\nrequire-sigs = perhaps\n');
    assert.throws(() => loadSettings({ env: { TIX_CONF: conf }, context: ctx }), { code: 'E_CONFIG_VALUE', whence: conf, line: 2 });
  });

  it('fails on a malformed --option value without a line', () => {
    const conf = write('e.conf', '');
    assert.throws(() => loadSettings({ env: { TIX_CONF: conf }, options: [['cores', 'x']], context: ctx }), { whence: '--option', line: undefined });
  });

  it('fails when TIX_CONF names a missing file', () => {
    assert.throws(() => loadSettings({ env: { TIX_CONF: join(dir, 'missing.conf') }, context: ctx }), { code: 'E_CONFIG_MISSING' });
  });

  it('follows includes relative to the file', () => {
    write('inc/extra.conf', 'log-lines = 99\n');
    const conf = write('inc/main.conf', 'include extra.conf\n');
    assert.equal(loadSettings({ env: { TIX_CONF: conf }, context: ctx }).settings.logLines, 99);
  });
});
