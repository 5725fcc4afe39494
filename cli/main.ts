/**
 * Entry point of the `tix` command. Dispatches `tix CMD ...` to cli/commands/CMD.ts, loaded
 * lazily so that a command pays only for the code it uses (start-up time matters: many
 * workloads run tix hundreds of times).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from './command.ts';
import { EXIT_FAILURE, EXIT_USAGE } from './exit-codes.ts';
import { printError, writeStderr, writeStdout } from './output.ts';

const here = dirname(fileURLToPath(import.meta.url));
const commandsDir = join(here, 'commands');

function version(): string {
  const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  return (await import(join(commandsDir, `${name}.ts`))) as CommandModule;
}

async function help(): Promise<string> {
  const lines = ['Usage: tix COMMAND [ARGS...]', '', 'Commands:'];
  for (const name of commandNames()) {
    const mod = await loadCommand(name);
    lines.push(`  ${name.padEnd(14)}${mod?.summary ?? ''}`);
  }
  lines.push('', 'Run `tix COMMAND --help` for the flags of a command.', '');
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    writeStdout(await help());
    return first === undefined ? EXIT_USAGE : 0;
  }
  if (first === '--version') {
    writeStdout(`tix ${version()}\n`);
    return 0;
  }
  const cmd = await loadCommand(first);
  if (!cmd) {
    writeStderr(`error: unknown command '${first}'; run 'tix --help' for the list\n`);
    return EXIT_USAGE;
  }
  // `--help` anywhere (`tix store verify --help`) shows the command's help, as Nix does.
  if (rest[0] === '-h' || rest.includes('--help')) {
    writeStdout(cmd.help.endsWith('\n') ? cmd.help : cmd.help + '\n');
    return 0;
  }
  return await cmd.main(rest);
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (e) {
  printError(e);
  process.exitCode = (e as { code?: string }).code === 'E_USAGE' ? EXIT_USAGE : EXIT_FAILURE;
}
