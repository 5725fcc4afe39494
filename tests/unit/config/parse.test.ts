import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/parse.ts';

describe('parseConfig()', () => {
  const cases: { name: string; text: string; expected: [string, string][] }[] = [
    { name: 'reads name = value', text: 'max-jobs = 4\n', expected: [['max-jobs', '4']] },
    { name: 'joins value tokens with one space', text: 'substituters =   a  \t b\n', expected: [['substituters', 'a b']] },
    { name: 'allows an empty value', text: 'substituters =\n', expected: [['substituters', '']] },
    { name: 'drops comments anywhere on a line', text: '# head\nkeep-going = true # tail\n', expected: [['keep-going', 'true']] },
    { name: 'skips blank lines and CRs', text: '\r\n\n  \ncores = 2\r\n', expected: [['cores', '2']] },
    { name: 'keeps order and repeats', text: 'a = 1\nb = 2\na = 3', expected: [['a', '1'], ['b', '2'], ['a', '3']] },
    { name: 'has no line continuation', text: 'a = x \\\nb = y\n', expected: [['a', 'x \\'], ['b', 'y']] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(parseConfig(c.text, '/etc/tix/tix.conf').map((e) => [e.name, e.value]), c.expected);
    });
  }

  it('records file and line of each entry', () => {
    const [e] = parseConfig('\n\nsandbox = false\n', '/x/tix.conf');
    assert.equal(e!.whence, '/x/tix.conf');
    assert.equal(e!.line, 3);
  });

  const bad: { name: string; text: string; line: number; code: string }[] = [
    { name: 'rejects a name without =', text: 'ok = 1\nsandbox\n', line: 2, code: 'E_CONFIG_SYNTAX' },
    { name: 'rejects = glued to the name', text: 'sandbox=false\n', line: 1, code: 'E_CONFIG_SYNTAX' },
    { name: 'rejects a second token that is not =', text: '\n\nsandbox : false\n', line: 3, code: 'E_CONFIG_SYNTAX' },
    { name: 'rejects include with two paths', text: 'include a b\n', line: 1, code: 'E_CONFIG_SYNTAX' },
    { name: 'rejects a missing include', text: 'x = 1\ninclude nope.conf\n', line: 2, code: 'E_CONFIG_INCLUDE' },
  ];
  for (const c of bad) {
    it(c.name, () => {
      assert.throws(() => parseConfig(c.text, '/etc/tix/tix.conf', () => undefined), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, c.code);
        assert.equal(e.whence, '/etc/tix/tix.conf');
        assert.equal(e.line, c.line);
        return true;
      });
    });
  }

  it('follows include relative to the including file, in place', () => {
    const files: Record<string, string> = { '/etc/tix/more.conf': 'b = 2\n' };
    const entries = parseConfig('a = 1\ninclude more.conf\nc = 3\n', '/etc/tix/tix.conf', (p) => files[p]);
    assert.deepEqual(entries.map((e) => [e.name, e.whence, e.line]), [
      ['a', '/etc/tix/tix.conf', 1],
      ['b', '/etc/tix/more.conf', 1],
      ['c', '/etc/tix/tix.conf', 3],
    ]);
  });

  it('ignores a missing !include', () => {
    assert.deepEqual(parseConfig('!include /nope\na = 1\n', '/t.conf', () => undefined).map((e) => e.name), ['a']);
  });

  it('reports an error inside an included file with that file and line', () => {
    const files: Record<string, string> = { '/c/inc.conf': 'ok = 1\nbroken\n' };
    assert.throws(() => parseConfig('include /c/inc.conf\n', '/c/main.conf', (p) => files[p]), { whence: '/c/inc.conf', line: 2 });
  });

  it('stops an include cycle', () => {
    assert.throws(() => parseConfig('include /a.conf\n', '/a.conf', () => 'include /a.conf\n'), { code: 'E_CONFIG_INCLUDE' });
  });
});
