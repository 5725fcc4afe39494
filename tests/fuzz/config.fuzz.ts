/**
 * Fuzz target: tix.conf / nix.conf parsing (src/config/parse.ts).
 *
 * Contract: `parseConfig` returns entries or throws a `ConfigError` with an `E_CONFIG_...`
 * code, the file name and the 1-based line. Includes go through an in-memory file table
 * (three files that include each other, one of them itself), so cycles, relative and
 * missing includes are reached. Every entry's name is one token and its value has no line
 * break or comment, and its file and line exist.
 */

import { parseConfig } from '../../src/config/parse.ts';
import { expectTixError, lineCount, violation } from './support/contract.ts';

export function fuzz(data: Buffer): void {
  const text = data.toString('utf8');
  // the input is the main file and, split at the first NUL, an included one
  const nul = text.indexOf('\0');
  const files = new Map<string, string>([
    ['/etc/tix/tix.conf', nul < 0 ? text : text.slice(0, nul)],
    ['/etc/tix/extra.conf', nul < 0 ? 'substituters = http://a\ninclude tix.conf\n' : text.slice(nul + 1)],
    ['/etc/tix/self.conf', 'include self.conf\n'],
  ]);
  let entries;
  try {
    entries = parseConfig(files.get('/etc/tix/tix.conf')!, '/etc/tix/tix.conf', (p) => files.get(p));
  } catch (e) {
    expectTixError(e, { names: ['ConfigError'], location: 'line' });
    const whence = (e as { whence?: string }).whence;
    const file = whence === undefined ? undefined : files.get(whence);
    if (file === undefined) violation(`ConfigError names '${String(whence)}', which is not a file that was read`);
    const line = (e as unknown as { line: number }).line;
    if (line > lineCount(file)) violation(`ConfigError line ${line} is past the end of ${whence} (${lineCount(file)} lines)`);
    return;
  }
  for (const en of entries) {
    if (en.name === '' || /[ \t\r\n#]/.test(en.name)) violation(`entry name '${en.name}' is not one token`);
    if (/[\n#]/.test(en.value) || /^[ \t\r]|[ \t\r]$/.test(en.value)) violation(`entry value '${en.value}' keeps a line break, comment or outer space`);
    const file = files.get(en.whence);
    if (file === undefined || en.line < 1 || en.line > lineCount(file)) violation(`entry '${en.name}' has a bad location ${en.whence}:${en.line}`);
  }
}
