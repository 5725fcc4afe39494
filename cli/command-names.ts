/**
 * The rule that makes a command: cli/commands/NAME.ts is `tix NAME`. Shared by the entry
 * from the sources (cli/main.ts) and the bundle builder (tools/bundle.ts); cli/launch.mjs
 * repeats the pattern because it loads nothing before deciding what to run.
 */

import { readdirSync } from 'node:fs';

export const COMMAND_FILE = /^[a-z][a-z0-9-]*\.ts$/;

/** The sorted command names found in the commands directory `dir`. */
export function commandNames(dir: string | URL): string[] {
  return readdirSync(dir)
    .filter((f) => COMMAND_FILE.test(f))
    .map((f) => f.slice(0, -3))
    .sort();
}
