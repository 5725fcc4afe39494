/**
 * Entry point of the `tix` command from the sources (`node cli/main.ts CMD ...`, what
 * bin/tix falls back to when no fresh bundle can be had). Dispatches `tix CMD ...` to
 * cli/commands/CMD.ts, imported only when it runs so that a command pays only for the code
 * it uses (start-up time matters: many workloads run tix hundreds of times).
 */

import type { CommandModule } from './command.ts';
import { commandNames } from './command-names.ts';
import { dispatch } from './dispatch.ts';

const commandsDir = new URL('./commands/', import.meta.url);

const names = commandNames(commandsDir);

await dispatch(process.argv.slice(2), {
  names,
  load: async (name) => (await import(new URL(`${name}.ts`, commandsDir).href)) as CommandModule,
});
