/**
 * The few Nix settings the evaluator commands honour, read the way Nix reads them:
 * `$NIX_CONF_DIR/nix.conf` (default /etc/nix/nix.conf), the user files
 * (`$NIX_USER_CONF_FILES` or `$XDG_CONFIG_HOME/nix/nix.conf`), then `$NIX_CONFIG`; later
 * lines win, `extra-NAME` appends, `include`/`!include` are followed. The syntax is
 * nix.conf's, parsed by src/config/parse.ts (shared with tix.conf). Also NIX_PATH parsing.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigEntry, parseConfig } from '../config/index.ts';

export type NixConfig = Map<string, string>;

/** Fold parsed entries into the map: later lines win, `extra-NAME` appends to NAME. */
function apply(conf: NixConfig, entries: readonly ConfigEntry[]): void {
  for (const { name, value } of entries) {
    if (name.startsWith('extra-')) {
      const base = name.slice(6);
      const prev = conf.get(base);
      conf.set(base, prev ? `${prev} ${value}` : value);
    } else conf.set(name, value);
  }
}

const readIfExists = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

/** Nix's settings from its files and `NIX_CONFIG`; a malformed line fails with its file and line (as in Nix). */
export function loadNixConfig(env: Readonly<Record<string, string | undefined>>): NixConfig {
  const conf: NixConfig = new Map();
  const sysDir = env['NIX_CONF_DIR'] ?? '/etc/nix';
  const files = [join(sysDir, 'nix.conf')];
  if (env['NIX_USER_CONF_FILES'] !== undefined) files.push(...env['NIX_USER_CONF_FILES'].split(':').filter(Boolean));
  else {
    const xdg = env['XDG_CONFIG_HOME'] ?? (env['HOME'] ? join(env['HOME'], '.config') : undefined);
    if (xdg) files.push(join(xdg, 'nix', 'nix.conf'));
  }
  for (const f of files) {
    const text = readIfExists(f); // a missing file is fine
    if (text !== undefined) apply(conf, parseConfig(text, f, readIfExists));
  }
  if (env['NIX_CONFIG']) apply(conf, parseConfig(env['NIX_CONFIG'], 'NIX_CONFIG', readIfExists, env['PWD'] ?? '/'));
  return conf;
}

/** Split NIX_PATH on `:`, keeping URLs (`https://…`, `channel:…`, `flake:…`) whole. */
export function parseNixPath(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ':') {
      const start = cur.includes('=') ? cur.slice(cur.indexOf('=') + 1) : cur;
      if (/^[a-z][a-z0-9+.-]*$/.test(start) && (s.startsWith('//', i + 1) || start === 'channel' || start === 'flake')) {
        cur += c;
        continue;
      }
      if (cur !== '') out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur !== '') out.push(cur);
  return out;
}
