/**
 * A damaged store database (issue 6, Faults): LevelDB files garbled behind tix's back give
 * an error naming the DB directory and what to do (no stack trace), and `tix store
 * repair-db` rebuilds the DB from what is readable, keeping a copy of the damaged one.
 */

import { strict as assert } from 'node:assert';
import { mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { storeLayout } from '../../../src/store/local/index.ts';
import { disposeAll, tempDir } from '../../support/temp-store.ts';
import { NO_CONFIG_ENV, runTixText } from '../../support/tix-cli.ts';

after(disposeAll);

const tix = (args: string[]) => runTixText(args, { env: NO_CONFIG_ENV, timeout: 60_000 });

function tree(name: string): string {
  const d = join(tempDir('tix-src-'), name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'README'), `${name}\n`);
  return d;
}

describe('a damaged store database', () => {
  const cases: { name: string; damage: (dbDir: string) => void; message: RegExp }[] = [
    { name: 'a truncated MANIFEST', damage: (d) => truncateSync(join(d, readdirSync(d).find((n) => n.startsWith('MANIFEST-'))!), 10), message: /is damaged: Corruption: / },
    { name: 'a garbled CURRENT', damage: (d) => writeFileSync(join(d, 'CURRENT'), 'MANIFEST-999999\n'), message: /is damaged: IO error: .*MANIFEST-999999: No such file or directory/ },
  ];
  for (const c of cases) {
    it(`names the DB directory and tells what to do for ${c.name}; repair-db restores it`, () => {
      const root = tempDir('tix-db-');
      const paths = [1, 2].map((i) => tix(['store', 'add', '--store', root, tree(`t${i}`)]).stdout.trim());
      const dbDir = storeLayout(root).dbDir;
      c.damage(dbDir);
      const r = tix(['store', 'verify', '--store', root, '--all']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`^error: the store database in '${dbDir}' ${c.message.source}`, 'm'));
      assert.match(r.stderr, /run 'tix store repair-db'/);
      assert.doesNotMatch(r.stderr, /^\s+at .*:\d+:\d+\)?$/m, `stack trace on stderr:\n${r.stderr}`);
      const fix = tix(['store', 'repair-db', '--store', root]);
      assert.equal(fix.status, 0, fix.stderr);
      assert.match(fix.stderr, /repaired the store database .*: 2 valid paths kept; the damaged copy is in '.*db\.damaged-/);
      const info = tix(['store', 'path-info', '--store', root, ...paths]);
      assert.deepEqual(info.stdout.trim().split('\n'), paths, info.stderr);
      const v = tix(['store', 'verify', '--store', root, '--all', '--check-contents']);
      assert.equal(v.status, 0, v.stderr);
      const again = tix(['store', 'repair-db', '--store', root]);
      assert.match(again.stderr, /is readable \(2 valid paths\); nothing to repair/);
    });
  }
});
