/**
 * The few Nix settings the evaluator commands honour, read the way Nix reads them:
 * `$NIX_CONF_DIR/nix.conf` (default /etc/nix/nix.conf), the user files
 * (`$NIX_USER_CONF_FILES` or `$XDG_CONFIG_HOME/nix/nix.conf`), then `$NIX_CONFIG`; later
 * lines win, `extra-NAME` appends, `include`/`!include` are followed. Also NIX_PATH parsing.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export type NixConfig = Map<string, string>;

function applyText(conf: NixConfig, text: string, dir: string | undefined, depth: number): void {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const inc = /^(!?)include\s+(.*)$/.exec(line);
    if (inc) {
      const p = dir && !isAbsolute(inc[2]!) ? join(dir, inc[2]!) : inc[2]!;
      if (existsSync(p) && depth < 16) applyText(conf, readFileSync(p, 'utf8'), dirname(p), depth + 1);
      continue;
    }
    const m = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, name, value] = m as unknown as [string, string, string];
    if (name.startsWith('extra-')) {
      const base = name.slice(6);
      const prev = conf.get(base);
      conf.set(base, prev ? `${prev} ${value}` : value);
    } else conf.set(name, value);
  }
}

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
    try {
      applyText(conf, readFileSync(f, 'utf8'), dirname(f), 0);
    } catch {
      // a missing file is fine
    }
  }
  if (env['NIX_CONFIG']) applyText(conf, env['NIX_CONFIG'], undefined, 0);
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
