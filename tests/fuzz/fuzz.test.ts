/**
 * The fuzz targets in the test suite, in two parts:
 *
 * - replay: every committed seed (tests/fuzz/corpus/<target>/) and every saved finding
 *   (tests/fuzz/regressions/<target>/) goes through the target's `fuzz` function in this
 *   process, so a fixed crash stays fixed even where the Jazzer.js addon cannot load;
 * - short runs: each target fuzzes under Jazzer.js for a fixed number of inputs with a
 *   fixed libFuzzer seed (`shortRuns` in targets.ts), a few seconds each. New corpus
 *   inputs and any crash go to a throw-away directory; a crash fails the test with the
 *   error, its stack and the input in base64 (save it under regressions/ to keep it).
 *
 * The long runs are `npm run fuzz` (tests/fuzz/run.ts).
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findingText, regressionDir, runTarget, seedDir } from './run.ts';
import { ensureJazzerAddon } from './support/jazzer-addon.ts';
import { TARGETS } from './targets.ts';

type FuzzFn = (data: Buffer) => void | Promise<void>;

function inputs(dir: string): { name: string; data: Buffer }[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((name) => ({ name, data: readFileSync(join(dir, name)) }));
}

describe('fuzz targets: seeds and saved findings replay without a violation', () => {
  for (const t of TARGETS) {
    it(`${t.name}: ${t.what}`, async () => {
      const { fuzz } = (await import(`./${t.name}.fuzz.ts`)) as { fuzz: FuzzFn };
      const seeds = inputs(seedDir(t));
      assert.ok(seeds.length > 0, `no seeds in ${seedDir(t)}`);
      for (const { name, data } of [...seeds, ...inputs(regressionDir(t)).map((r) => ({ ...r, name: `regressions/${r.name}` }))]) {
        try {
          await fuzz(data);
        } catch (e) {
          assert.fail(`${t.name} ${name}: ${e instanceof Error ? e.stack : String(e)}`);
        }
      }
    });
  }
});

describe('fuzz targets: a short seeded Jazzer.js run finds nothing', () => {
  let work: string;
  before(() => {
    ensureJazzerAddon();
    work = mkdtempSync(join(tmpdir(), 'tix-fuzz-test-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const t of TARGETS) {
    it(`${t.name} (${t.shortRuns} inputs)`, async () => {
      const s = await runTarget(t, {
        runs: t.shortRuns,
        seed: 1,
        corpusDir: join(work, 'corpus', t.name),
        artifactDir: join(work, 'findings', t.name),
        timeoutMs: 10_000,
      });
      const input = s.artifact ? `\ninput (base64): ${readFileSync(s.artifact).toString('base64')}` : '';
      assert.equal(s.exitCode, 0, `${t.name} exited ${s.exitCode}:\n${findingText(s).split('\n').slice(-30).join('\n')}${input}`);
      assert.ok((s.execs ?? 0) >= t.shortRuns, `${t.name} ran ${s.execs} inputs, expected ${t.shortRuns}`);
    });
  }
});
