/**
 * Child process for tests/integration/lang/corpus.test.ts: runs every corpus case through
 * `tix instantiate` in this one process (no process start per case) and prints the results
 * as JSON. It runs in its own process because the evaluator needs the large stack that
 * bin/tix gives it (deep-recursion cases), which a test runner's process does not have.
 */

import { runInstantiate } from '../../cli/commands/instantiate.ts';
import { CORPUS_DIR, CORPUS_ENV, loadCorpus } from './lang-corpus.ts';

process.chdir(CORPUS_DIR);
const results: { name: string; code: number; stdout: string; stderr: string }[] = [];
for (const c of loadCorpus()) {
  let stdout = '';
  let stderr = '';
  let code: number;
  try {
    code = runInstantiate(c.args, {
      stdout: (b) => (stdout += b),
      stderr: (b) => (stderr += b),
      env: CORPUS_ENV,
      cwd: CORPUS_DIR,
      readStdin: () => '',
    });
  } catch (e) {
    code = -1;
    stderr += `tix crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
  }
  results.push({ name: c.name, code, stdout, stderr });
}
process.stdout.write(JSON.stringify(results));
