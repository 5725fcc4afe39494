import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/config/parse.ts';
import { applyConfigEntries, CACHE_NIXOS_ORG_KEY, canonicalSettingName, defaultSettings, parseSizeInt } from '../../../src/config/settings.ts';

const ctx = { cpuCount: 8, system: 'x86_64-linux' };
const entry = (name: string, value: string, line = 1) => ({ name, value, whence: '/t.conf', line });

function apply(...entries: ReturnType<typeof entry>[]) {
  const s = defaultSettings(ctx);
  const warnings = applyConfigEntries(s, entries, ctx);
  return { s, warnings };
}

describe('defaultSettings()', () => {
  it("has Nix's defaults", () => {
    const s = defaultSettings(ctx);
    assert.deepEqual(s.substituters, ['https://cache.nixos.org/']);
    assert.deepEqual(s.trustedPublicKeys, [CACHE_NIXOS_ORG_KEY]);
    assert.equal(s.requireSigs, true);
    assert.equal(s.sandbox, 'true');
    assert.equal(s.maxJobs, 1);
    assert.equal(s.cores, 0);
    assert.equal(s.keepDerivations, true);
    assert.equal(s.keepOutputs, false);
    assert.equal(s.narinfoCacheNegativeTtl, 3600);
    assert.equal(s.store, 'auto');
  });

  it('offers the sandbox shell as /bin/sh when one exists', () => {
    assert.deepEqual(defaultSettings({ ...ctx, sandboxShell: '/bin/busybox' }).sandboxPaths, ['/bin/sh=/bin/busybox']);
    assert.deepEqual(defaultSettings(ctx).sandboxPaths, []);
  });
});

describe('applyConfigEntries()', () => {
  const ok: { name: string; entries: ReturnType<typeof entry>[]; check: (s: ReturnType<typeof defaultSettings>) => unknown; expected: unknown }[] = [
    { name: 'parses yes/no booleans', entries: [entry('keep-going', 'yes'), entry('require-sigs', '0')], check: (s) => [s.keepGoing, s.requireSigs], expected: [true, false] },
    { name: 'parses integers with a unit', entries: [entry('min-free', '2G')], check: (s) => s.minFree, expected: 2 * 2 ** 30 },
    { name: 'parses max-jobs auto', entries: [entry('max-jobs', 'auto')], check: (s) => s.maxJobs, expected: 8 },
    { name: 'replaces a list', entries: [entry('substituters', 'file:///a http://b')], check: (s) => s.substituters, expected: ['file:///a', 'http://b'] },
    { name: 'appends with extra-', entries: [entry('extra-trusted-public-keys', 'k:1')], check: (s) => s.trustedPublicKeys, expected: [CACHE_NIXOS_ORG_KEY, 'k:1'] },
    { name: 'empties a list', entries: [entry('substituters', '')], check: (s) => s.substituters, expected: [] },
    { name: 'accepts aliases', entries: [entry('build-max-jobs', '3'), entry('binary-caches', 'x')], check: (s) => [s.maxJobs, s.substituters], expected: [3, ['x']] },
    { name: 'takes the last assignment', entries: [entry('cores', '1'), entry('cores', '5')], check: (s) => s.cores, expected: 5 },
    { name: 'reads relaxed sandbox mode', entries: [entry('sandbox', 'relaxed')], check: (s) => s.sandbox, expected: 'relaxed' },
    { name: "reads tix's own settings", entries: [entry('bootstrap-peers', '/ip4/1.2.3.4/tcp/1/p2p/x'), entry('http-port', '8080')], check: (s) => [s.bootstrapPeers, s.httpPort], expected: [['/ip4/1.2.3.4/tcp/1/p2p/x'], 8080] },
    { name: 'unsets an optional string with an empty value', entries: [entry('build-dir', '/b'), entry('build-dir', '')], check: (s) => s.buildDir, expected: undefined },
  ];
  for (const c of ok) {
    it(c.name, () => {
      const { s, warnings } = apply(...c.entries);
      assert.deepEqual(c.check(s), c.expected);
      assert.deepEqual(warnings, []);
    });
  }

  it('warns about an unknown setting with its file and line', () => {
    const { warnings } = apply(entry('frobnicate', '1', 7));
    assert.deepEqual(warnings, ["unknown setting 'frobnicate' (/t.conf, line 7)"]);
  });

  it('accepts Nix-only settings silently', () => {
    assert.deepEqual(apply(entry('trusted-users', 'root'), entry('experimental-features', 'nix-command')).warnings, []);
  });

  it('warns about extra- on a setting that is not a list', () => {
    assert.equal(apply(entry('extra-max-jobs', '2')).warnings.length, 1);
  });

  const bad: { name: string; e: ReturnType<typeof entry>; message: RegExp }[] = [
    { name: 'rejects a bad boolean', e: entry('keep-going', 'maybe', 4), message: /Boolean setting 'keep-going' has invalid value 'maybe'/ },
    { name: 'rejects a bad integer', e: entry('cores', 'lots', 4), message: /setting 'cores' has invalid value 'lots'/ },
    { name: 'rejects a negative integer', e: entry('log-lines', '-1', 4), message: /invalid value '-1'/ },
    { name: 'rejects an unknown unit', e: entry('min-free', '3X', 4), message: /invalid value '3X'/ },
    { name: 'rejects a bad max-jobs', e: entry('max-jobs', 'many', 4), message: /should be 'auto' or an integer/ },
    { name: 'rejects a bad sandbox mode', e: entry('sandbox', 'sometimes', 4), message: /'sandbox' has invalid value/ },
  ];
  for (const c of bad) {
    it(c.name, () => {
      assert.throws(() => apply(c.e), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'E_CONFIG_VALUE');
        assert.equal(e.whence, '/t.conf');
        assert.equal(e.line, 4);
        assert.match(e.message, c.message);
        return true;
      });
    });
  }
});

describe('parseSizeInt()', () => {
  for (const [input, expected] of [['0', 0], ['12', 12], ['1k', 1024], ['3M', 3 * 2 ** 20], ['1T', 2 ** 40], ['', undefined], ['1.5', undefined], ['1KB', undefined], ['99999999999999999999', undefined]] as const) {
    it(`reads '${input}' as ${expected}`, () => assert.equal(parseSizeInt(input), expected));
  }
});

describe('canonicalSettingName()', () => {
  it('maps an alias to its setting', () => assert.equal(canonicalSettingName('build-cores'), 'cores'));
  it('returns undefined for an unknown name', () => assert.equal(canonicalSettingName('nope'), undefined));
});
