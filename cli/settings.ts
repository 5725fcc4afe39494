/**
 * The shared `--option NAME VALUE` / `--store DIR` handling: every command that needs
 * settings calls `commandSettings(args)` (the flags themselves are accepted by every
 * command through `COMMON_FLAGS` in args.ts). Unknown settings are printed as warnings.
 */

import { loadSettings, type Settings } from '../src/config/index.ts';
import { flagPairs, flagString, type ParsedArgs } from './args.ts';
import { writeStderr } from './output.ts';

export function commandSettings(args: ParsedArgs): Settings {
  const { settings, warnings } = loadSettings({ options: flagPairs(args, 'option'), store: flagString(args, 'store') });
  for (const w of warnings) writeStderr(`warning: ${w}\n`);
  return settings;
}
