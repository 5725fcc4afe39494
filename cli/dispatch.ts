/**
 * `tix CMD ...` dispatch: help, version, the command's `--help`, and the top-level error
 * printing. Where command modules come from is the caller's: cli/main.ts finds them in
 * cli/commands/ and imports the sources; the bundle that bin/tix runs (tools/bundle.ts)
 * passes a table of its chunks. Either way a command is loaded only when it runs.
 */

import { readFileSync } from 'node:fs';
import type { CommandModule } from './command.ts';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.ts';
import { printError, writeStderr, writeStdout } from './output.ts';

/** The command modules a tix can run, by name (`build` for cli/commands/build.ts). */
export interface CommandTable {
  /** Every command name, sorted. */
  readonly names: readonly string[];
  /** Summaries known without loading the command (the bundle has them); others are loaded. */
  readonly summaries?: Readonly<Record<string, string>>;
  load(name: string): Promise<CommandModule>;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function help(commands: CommandTable): Promise<string> {
  const lines = ['Usage: tix COMMAND [ARGS...]', '', 'Commands:'];
  for (const name of commands.names) {
    const summary = commands.summaries?.[name] ?? (await commands.load(name)).summary;
    lines.push(`  ${name.padEnd(14)}${summary}`);
  }
  lines.push('', 'Run `tix COMMAND --help` for the flags of a command.', '');
  return lines.join('\n');
}

async function run(argv: string[], commands: CommandTable): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    writeStdout(await help(commands));
    return first === undefined ? EXIT_USAGE : 0;
  }
  if (first === '--version') {
    writeStdout(`tix ${version()}\n`);
    return 0;
  }
  if (!commands.names.includes(first)) {
    writeStderr(`error: unknown command '${first}'; run 'tix --help' for the list\n`);
    return EXIT_USAGE;
  }
  const cmd = await commands.load(first);
  // `--help` anywhere (`tix store verify --help`) shows the command's help, as Nix does.
  if (rest[0] === '-h' || rest.includes('--help')) {
    writeStdout(cmd.help.endsWith('\n') ? cmd.help : cmd.help + '\n');
    return 0;
  }
  return await cmd.main(rest);
}

/** Run `tix ARGV...` and set the process's exit code. */
export async function dispatch(argv: string[], commands: CommandTable): Promise<void> {
  try {
    process.exitCode = await run(argv, commands);
  } catch (e) {
    printError(e);
    process.exitCode = (e as { code?: string }).code === 'E_USAGE' ? EXIT_USAGE : EXIT_FAILURE;
  }
}
