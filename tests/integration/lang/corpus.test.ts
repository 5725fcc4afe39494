/**
 * The evaluator conformance corpus (tests/lang, see tests/support/lang-corpus.ts) through
 * `tix instantiate`: eval-okay cases must print exactly the `.exp` file, eval-fail cases
 * must exit 1 with the `.err.exp` message as the innermost error. All cases run in one
 * child process (with bin/tix's stack settings), in-process there.
 */

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { errorLine, KNOWN_WRONG, loadCorpus, normalise, REPO_ROOT } from '../../support/lang-corpus.ts';

const node = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const runner = join(REPO_ROOT, 'tests', 'support', 'run-lang-corpus.ts');
// The same stack arrangement as bin/tix: a 1 GiB soft limit where allowed, V8 told 90%.
const script = `want=1048576; cur=$(ulimit -s); if [ "$cur" != unlimited ] && [ "$cur" -lt "$want" ]; then ulimit -s "$want" 2>/dev/null || ulimit -s "$(ulimit -Hs)"; cur=$(ulimit -s); fi
[ "$cur" = unlimited ] && cur=$want; [ "$cur" -gt "$want" ] && cur=$want
exec "$0" --no-warnings --stack-size=$((cur * 9 / 10)) "$1"`;

const child = spawnSync('sh', ['-c', script, node, runner], { maxBuffer: 1 << 28, encoding: 'utf8' }) // JSON of byte strings, UTF-8 encoded;
const results = new Map<string, { code: number; stdout: string; stderr: string }>();
if (child.status === 0) for (const r of JSON.parse(child.stdout) as { name: string; code: number; stdout: string; stderr: string }[]) results.set(r.name, r);

describe('tix instantiate on the tests/lang corpus', () => {
  it('runs the whole corpus in one child process', () => {
    assert.equal(child.status, 0, child.stderr);
  });

  for (const c of loadCorpus()) {
    const todo = KNOWN_WRONG[c.name];
    it(`${c.kind === 'okay' ? 'evaluates' : 'fails on'} ${c.name}`, { todo }, () => {
      const r = results.get(c.name);
      assert.ok(r, 'no result');
      if (c.kind === 'okay') {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(normalise(r.stdout), c.expected);
      } else {
        assert.equal(r.code, 1, `expected failure, got ${r.code}: ${r.stdout}${r.stderr}`);
        if (c.expected !== undefined) assert.equal(errorLine(normalise(r.stderr), 'last'), c.expected, r.stderr);
      }
    });
  }
});
