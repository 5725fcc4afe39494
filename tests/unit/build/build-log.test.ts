import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BuildLog, logTail } from '../../../src/build/build-log.ts';

describe('logTail()', () => {
  const cases = [
    { name: 'keeps the last n lines', log: 'a\nb\nc\nd\n', n: 2, expected: ['c', 'd'] },
    { name: 'keeps a last line without a newline', log: 'a\nb', n: 5, expected: ['a', 'b'] },
    { name: 'shows only the last state of a line rewritten with carriage returns', log: '10%\r50%\r100%\ndone\n', n: 5, expected: ['100%', 'done'] },
    { name: 'is empty for an empty log', log: '', n: 25, expected: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(logTail(Buffer.from(c.log), c.n), c.expected));
  }
});

describe('BuildLog', () => {
  it('returns complete lines as they are written and the rest on flush', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tix-log-'));
    try {
      const log = new BuildLog(join(dir, 'log'));
      writeSync(log.fd, 'one\ntw');
      assert.deepEqual(log.newLines(), ['one']);
      writeSync(log.fd, 'o\nthree');
      assert.deepEqual(log.newLines(), ['two']);
      assert.deepEqual(log.newLines(true), ['three']);
      assert.equal(log.contents().toString(), 'one\ntwo\nthree');
      log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
