/**
 * Entry point of the `tix` command from the sources (`node cli/main.ts CMD ...`, what
 * bin/tix falls back to when no fresh bundle can be had). Dispatches `tix CMD ...` to
 * cli/commands/CMD.ts, imported only when it runs so that a command pays only for the code
 * it uses (start-up time matters: many workloads run tix hundreds of times).
 */

import { readdirSync } from 'node:fs';
import type { CommandModule } from './command.ts';
import { dispatch } from './dispatch.ts';

const commandsDir = new URL('./commands/', import.meta.url);

const names = readdirSync(commandsDir)
  .filter((f) => /^[a-z][a-z0-9-]*\.ts$/.test(f))
  .map((f) => f.slice(0, -3))
  .sort();

await dispatch(process.argv.slice(2), {
  names,
  load: async (name) => (await import(new URL(`${name}.ts`, commandsDir).href)) as CommandModule,
});
