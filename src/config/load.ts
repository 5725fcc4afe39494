/**
 * Loading tix.conf the way Nix loads nix.conf (`loadConfFile`): the system file, then the
 * user's, then inline text from the environment, then `--option NAME VALUE` and `--store`
 * from the command line; each later source overrides the earlier ones setting by setting.
 *
 *   /etc/tix/tix.conf                              (Nix: /etc/nix/nix.conf)
 *   $XDG_CONFIG_HOME/tix/tix.conf (~/.config/...)  (Nix: ~/.config/nix/nix.conf)
 *   $TIX_CONF: when set, this one file replaces both (it must exist)
 *   $TIX_CONFIG: configuration text               (Nix: $NIX_CONFIG)
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostContext } from './host.ts';
import { ConfigError, type ConfigEntry, parseConfig } from './parse.ts';
import { applyConfigEntries, defaultSettings, type Settings, type SettingsContext } from './settings.ts';

export const SYSTEM_CONF_FILE = '/etc/tix/tix.conf';

export interface LoadSettingsOptions {
  /** Environment to read `TIX_CONF`, `TIX_CONFIG`, `XDG_CONFIG_HOME` and `HOME` from. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--option NAME VALUE` pairs, in command-line order. */
  readonly options?: readonly (readonly [string, string])[];
  /** `--store DIR`. */
  readonly store?: string;
  /** Host facts; measured when omitted. */
  readonly context?: SettingsContext;
}

export interface LoadedSettings {
  readonly settings: Settings;
  /** Unknown settings, each with its file and line. */
  readonly warnings: string[];
  /** The configuration files that were read, in order. */
  readonly files: string[];
}

/** The configuration files consulted for `env`, in the order they apply. */
export function configFiles(env: Readonly<Record<string, string | undefined>>): { path: string; required: boolean }[] {
  if (env.TIX_CONF) return [{ path: env.TIX_CONF, required: true }];
  const files = [{ path: SYSTEM_CONF_FILE, required: false }];
  const configHome = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  if (configHome) files.push({ path: join(configHome, 'tix', 'tix.conf'), required: false });
  return files;
}

/** Read the configuration files, the environment and the command-line overrides into `Settings`. */
export function loadSettings(opts: LoadSettingsOptions = {}): LoadedSettings {
  const env = opts.env ?? process.env;
  const context = opts.context ?? hostContext();
  const settings = defaultSettings(context);
  const warnings: string[] = [];
  const files: string[] = [];
  const apply = (entries: ConfigEntry[]) => warnings.push(...applyConfigEntries(settings, entries, context));
  for (const { path, required } of configFiles(env)) {
    const text = readIfExists(path);
    if (text === undefined) {
      if (required) throw new ConfigError('E_CONFIG_MISSING', `configuration file '${path}' (named by TIX_CONF) does not exist`);
      continue;
    }
    files.push(path);
    apply(parseConfig(text, path, readIfExists));
  }
  if (env.TIX_CONFIG) apply(parseConfig(env.TIX_CONFIG, 'TIX_CONFIG', readIfExists, env.PWD));
  for (const [name, value] of opts.options ?? []) apply([{ name, value, whence: '--option', line: 0 }]);
  if (opts.store !== undefined) settings.store = opts.store;
  return { settings, warnings, files };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError('E_CONFIG_READ', `cannot read configuration file '${path}': ${(e as Error).message}`, { whence: path });
  }
}
