/**
 * Every setting tix reads, with nix.conf's names and Nix's defaults (Nix: `Settings`,
 * `LocalSettings`, `WorkerSettings` in `src/libstore/include/nix/store/*.hh`), plus tix's
 * own. Values are typed as Nix types them: booleans are `true|yes|1` / `false|no|0`,
 * integers take a `K`/`M`/`G`/`T` suffix, lists are whitespace-separated and may be
 * extended with `extra-NAME`. Nix settings tix does not use are accepted silently so a
 * nix.conf can be reused; anything else is "unknown" and only warns, as in Nix.
 *
 * Pure: host facts that defaults depend on (CPU count, system, the sandbox shell) come in
 * through `SettingsContext`.
 */

import { ConfigError, type ConfigEntry } from './parse.ts';

export type SandboxMode = 'true' | 'false' | 'relaxed';

export interface Settings {
  // Store and substitution
  store: string;
  substituters: string[];
  trustedSubstituters: string[];
  trustedPublicKeys: string[];
  secretKeyFiles: string[];
  requireSigs: boolean;
  substitute: boolean;
  fallback: boolean;
  maxSubstitutionJobs: number;
  narinfoCacheNegativeTtl: number;
  narinfoCachePositiveTtl: number;
  connectTimeout: number;
  stalledDownloadTimeout: number;
  downloadAttempts: number;
  httpConnections: number;
  /** tix's own: root of real Nix's store, whose content-addressed paths tix may take ('' for none). */
  nixStoreRoot: string;
  // Garbage collection
  keepDerivations: boolean;
  keepOutputs: boolean;
  minFree: number;
  maxFree: number;
  fsyncMetadata: boolean;
  // Building
  sandbox: SandboxMode;
  sandboxPaths: string[];
  sandboxFallback: boolean;
  sandboxBuildDir: string;
  buildDir: string | undefined;
  maxJobs: number;
  cores: number;
  keepGoing: boolean;
  keepFailed: boolean;
  keepBuildLog: boolean;
  compressBuildLog: boolean;
  logLines: number;
  maxSilentTime: number;
  timeout: number;
  system: string;
  extraPlatforms: string[];
  systemFeatures: string[];
  // Evaluation
  nixPath: string[];
  pureEval: boolean;
  restrictEval: boolean;
  allowedUris: string[];
  allowImportFromDerivation: boolean;
  maxCallDepth: number;
  showTrace: boolean;
  // tix's own: the peer-to-peer node
  bootstrapPeers: string[];
  pskFile: string | undefined;
  httpPort: number;
  listenAddresses: string[];
  mdns: boolean;
  /** Bad answers (wrong hash, forged signature, malformed NAR, oversize) before a peer is skipped for every path. */
  peerPenaltyThreshold: number;
  /** Seconds such a peer is skipped. */
  peerPenaltyCooldown: number;
  /** Serve and fetch NARs over a direct TCP bulk channel beside libp2p (falls back to the libp2p stream). */
  p2pBulkChannel: boolean;
}

/** Host facts the defaults depend on (passed in: this module does no I/O). */
export interface SettingsContext {
  /** Number of CPUs, for `max-jobs = auto`. */
  readonly cpuCount: number;
  /** Nix system double of this machine, e.g. `x86_64-linux`. */
  readonly system: string;
  /** A statically linked shell to offer builds as `/bin/sh` (busybox-static), when present. */
  readonly sandboxShell?: string;
}

/** Key of cache.nixos.org, Nix's default `trusted-public-keys`. */
export const CACHE_NIXOS_ORG_KEY = 'cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=';

/** Nix's `max-free` default, int64 max, clamped to what a JS number holds exactly. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export function defaultSettings(ctx: SettingsContext): Settings {
  return {
    store: 'auto',
    // Nix's default is cache.nixos.org; tix's users build on LANs and air-gapped networks, so
    // the public cache is opt-in (`substituters = https://cache.nixos.org/`) and the P2P
    // network of a running node is used without configuration.
    substituters: [],
    trustedSubstituters: [],
    trustedPublicKeys: [CACHE_NIXOS_ORG_KEY],
    secretKeyFiles: [],
    requireSigs: true,
    substitute: true,
    fallback: false,
    maxSubstitutionJobs: 16,
    narinfoCacheNegativeTtl: 3600,
    narinfoCachePositiveTtl: 30 * 24 * 3600,
    connectTimeout: 0,
    stalledDownloadTimeout: 300,
    downloadAttempts: 5,
    httpConnections: 25,
    nixStoreRoot: '/',
    keepDerivations: true,
    keepOutputs: false,
    minFree: 0,
    maxFree: NO_LIMIT,
    fsyncMetadata: true,
    sandbox: 'true',
    sandboxPaths: ctx.sandboxShell ? [`/bin/sh=${ctx.sandboxShell}`] : [],
    sandboxFallback: true,
    sandboxBuildDir: '/build',
    buildDir: undefined,
    maxJobs: 1,
    cores: 0,
    keepGoing: false,
    keepFailed: false,
    keepBuildLog: true,
    compressBuildLog: true,
    logLines: 25,
    maxSilentTime: 0,
    timeout: 0,
    system: ctx.system,
    extraPlatforms: [],
    systemFeatures: ['benchmark', 'big-parallel', 'nixos-test', 'uid-range'],
    nixPath: [],
    pureEval: false,
    restrictEval: false,
    allowedUris: [],
    allowImportFromDerivation: true,
    maxCallDepth: 10000,
    showTrace: false,
    bootstrapPeers: [],
    pskFile: undefined,
    httpPort: 0,
    listenAddresses: ['/ip4/0.0.0.0/tcp/0'],
    mdns: true,
    peerPenaltyThreshold: 3,
    peerPenaltyCooldown: 600,
    p2pBulkChannel: true,
  };
}

type Kind = 'bool' | 'uint' | 'string' | 'opt-string' | 'list' | 'max-jobs' | 'sandbox';

interface SettingDef {
  readonly key: keyof Settings;
  readonly kind: Kind;
  readonly aliases?: readonly string[];
  /** Where the name comes from: Nix's nix.conf or tix's own. */
  readonly origin: 'nix' | 'tix';
}

/** The settings tix reads, by nix.conf name. */
export const SETTINGS: Readonly<Record<string, SettingDef>> = {
  store: { key: 'store', kind: 'string', origin: 'nix' },
  substituters: { key: 'substituters', kind: 'list', aliases: ['binary-caches'], origin: 'nix' },
  'trusted-substituters': { key: 'trustedSubstituters', kind: 'list', aliases: ['trusted-binary-caches'], origin: 'nix' },
  'trusted-public-keys': { key: 'trustedPublicKeys', kind: 'list', aliases: ['binary-cache-public-keys'], origin: 'nix' },
  'secret-key-files': { key: 'secretKeyFiles', kind: 'list', origin: 'nix' },
  'require-sigs': { key: 'requireSigs', kind: 'bool', origin: 'nix' },
  substitute: { key: 'substitute', kind: 'bool', aliases: ['build-use-substitutes'], origin: 'nix' },
  fallback: { key: 'fallback', kind: 'bool', aliases: ['build-fallback'], origin: 'nix' },
  'max-substitution-jobs': { key: 'maxSubstitutionJobs', kind: 'uint', aliases: ['substitution-max-jobs'], origin: 'nix' },
  'narinfo-cache-negative-ttl': { key: 'narinfoCacheNegativeTtl', kind: 'uint', origin: 'nix' },
  'narinfo-cache-positive-ttl': { key: 'narinfoCachePositiveTtl', kind: 'uint', origin: 'nix' },
  'connect-timeout': { key: 'connectTimeout', kind: 'uint', origin: 'nix' },
  'stalled-download-timeout': { key: 'stalledDownloadTimeout', kind: 'uint', origin: 'nix' },
  'download-attempts': { key: 'downloadAttempts', kind: 'uint', origin: 'nix' },
  'http-connections': { key: 'httpConnections', kind: 'uint', aliases: ['binary-caches-parallel-connections'], origin: 'nix' },
  'nix-store-root': { key: 'nixStoreRoot', kind: 'string', origin: 'tix' },
  'keep-derivations': { key: 'keepDerivations', kind: 'bool', aliases: ['gc-keep-derivations'], origin: 'nix' },
  'keep-outputs': { key: 'keepOutputs', kind: 'bool', aliases: ['gc-keep-outputs'], origin: 'nix' },
  'min-free': { key: 'minFree', kind: 'uint', origin: 'nix' },
  'max-free': { key: 'maxFree', kind: 'uint', origin: 'nix' },
  'fsync-metadata': { key: 'fsyncMetadata', kind: 'bool', origin: 'nix' },
  sandbox: { key: 'sandbox', kind: 'sandbox', aliases: ['build-use-chroot', 'build-use-sandbox'], origin: 'nix' },
  'sandbox-paths': { key: 'sandboxPaths', kind: 'list', aliases: ['build-chroot-dirs', 'build-sandbox-paths'], origin: 'nix' },
  'sandbox-fallback': { key: 'sandboxFallback', kind: 'bool', origin: 'nix' },
  'sandbox-build-dir': { key: 'sandboxBuildDir', kind: 'string', origin: 'nix' },
  'build-dir': { key: 'buildDir', kind: 'opt-string', origin: 'nix' },
  'max-jobs': { key: 'maxJobs', kind: 'max-jobs', aliases: ['build-max-jobs'], origin: 'nix' },
  cores: { key: 'cores', kind: 'uint', aliases: ['build-cores'], origin: 'nix' },
  'keep-going': { key: 'keepGoing', kind: 'bool', origin: 'nix' },
  'keep-failed': { key: 'keepFailed', kind: 'bool', origin: 'nix' },
  'keep-build-log': { key: 'keepBuildLog', kind: 'bool', aliases: ['build-keep-log'], origin: 'nix' },
  'compress-build-log': { key: 'compressBuildLog', kind: 'bool', aliases: ['build-compress-log'], origin: 'nix' },
  'log-lines': { key: 'logLines', kind: 'uint', origin: 'nix' },
  'max-silent-time': { key: 'maxSilentTime', kind: 'uint', aliases: ['build-max-silent-time'], origin: 'nix' },
  timeout: { key: 'timeout', kind: 'uint', aliases: ['build-timeout'], origin: 'nix' },
  system: { key: 'system', kind: 'string', origin: 'nix' },
  'extra-platforms': { key: 'extraPlatforms', kind: 'list', origin: 'nix' },
  'system-features': { key: 'systemFeatures', kind: 'list', origin: 'nix' },
  'nix-path': { key: 'nixPath', kind: 'list', origin: 'nix' },
  'pure-eval': { key: 'pureEval', kind: 'bool', origin: 'nix' },
  'restrict-eval': { key: 'restrictEval', kind: 'bool', origin: 'nix' },
  'allowed-uris': { key: 'allowedUris', kind: 'list', origin: 'nix' },
  'allow-import-from-derivation': { key: 'allowImportFromDerivation', kind: 'bool', origin: 'nix' },
  'max-call-depth': { key: 'maxCallDepth', kind: 'uint', origin: 'nix' },
  'show-trace': { key: 'showTrace', kind: 'bool', origin: 'nix' },
  'bootstrap-peers': { key: 'bootstrapPeers', kind: 'list', origin: 'tix' },
  'psk-file': { key: 'pskFile', kind: 'opt-string', origin: 'tix' },
  'http-port': { key: 'httpPort', kind: 'uint', origin: 'tix' },
  'listen-addresses': { key: 'listenAddresses', kind: 'list', origin: 'tix' },
  mdns: { key: 'mdns', kind: 'bool', origin: 'tix' },
  'peer-penalty-threshold': { key: 'peerPenaltyThreshold', kind: 'uint', origin: 'tix' },
  'peer-penalty-cooldown': { key: 'peerPenaltyCooldown', kind: 'uint', origin: 'tix' },
  'p2p-bulk-channel': { key: 'p2pBulkChannel', kind: 'bool', origin: 'tix' },
};

/**
 * Nix settings tix accepts without using them, so that a nix.conf can be included as is.
 * (Daemon, flake, remote-builder and user-management settings have no meaning in tix.)
 */
export const IGNORED_NIX_SETTINGS: ReadonlySet<string> = new Set([
  'accept-flake-config', 'access-tokens', 'allow-dirty', 'allow-new-privileges', 'allow-symlinked-store',
  'allow-unsafe-native-code-during-evaluation', 'allowed-impure-host-deps', 'allowed-users', 'always-allow-substitutes',
  'auto-allocate-uids', 'auto-optimise-store', 'bash-prompt', 'bash-prompt-prefix', 'bash-prompt-suffix',
  'build-hook', 'build-poll-interval', 'build-users-group', 'builders', 'builders-use-substitutes',
  'commit-lock-file-summary', 'darwin-log-sandbox-violations', 'diff-hook', 'eval-cache', 'experimental-features',
  'extra-experimental-features', 'filter-syscalls', 'flake-registry', 'fsync-store-paths', 'gc-reserved-space',
  'hashed-mirrors', 'id-count', 'ignore-try', 'ignored-acls', 'impersonate-linux-26', 'impure-env',
  'keep-env-derivations', 'max-build-log-size', 'min-free-check-interval', 'nar-buffer-size', 'netrc-file',
  'plugin-files', 'post-build-hook', 'pre-build-hook', 'print-missing', 'require-drop-supplementary-groups',
  'run-diff-hook', 'sandbox-dev-shm-size', 'ssl-cert-file', 'start-id', 'sync-before-registering', 'tarball-ttl',
  'trace-function-calls', 'trace-verbose', 'trusted-users', 'use-case-hack', 'use-cgroups', 'use-registries',
  'use-sqlite-wal', 'use-xdg-base-directories', 'user-agent-suffix', 'warn-dirty', 'warn-large-path-threshold',
]);

const BY_NAME: ReadonlyMap<string, SettingDef> = (() => {
  const m = new Map<string, SettingDef>();
  for (const [name, def] of Object.entries(SETTINGS)) {
    m.set(name, def);
    for (const a of def.aliases ?? []) m.set(a, def);
  }
  return m;
})();

/** The canonical name of a setting or alias, or undefined when tix does not know it. */
export function canonicalSettingName(name: string): string | undefined {
  const def = BY_NAME.get(name);
  if (!def) return undefined;
  return Object.keys(SETTINGS).find((n) => SETTINGS[n] === def);
}

export interface ApplyContext {
  readonly cpuCount: number;
}

/**
 * Apply entries in order to `settings` (mutated). Returns the warnings (unknown settings),
 * each naming its file and line; a malformed value throws a `ConfigError` there.
 */
export function applyConfigEntries(settings: Settings, entries: readonly ConfigEntry[], ctx: ApplyContext): string[] {
  const warnings: string[] = [];
  for (const e of entries) {
    let name = e.name;
    let append = false;
    let def = BY_NAME.get(name);
    if (!def && name.startsWith('extra-')) {
      def = BY_NAME.get(name.slice(6));
      append = true;
      name = name.slice(6);
    }
    if (!def || (append && def.kind !== 'list')) {
      if (!IGNORED_NIX_SETTINGS.has(e.name)) warnings.push(`unknown setting '${e.name}' (${describeWhere(e)})`);
      continue;
    }
    const value = parseValue(def.kind, name, e.value, e, ctx);
    const target = settings as unknown as Record<string, unknown>;
    if (append) target[def.key] = [...(target[def.key] as string[]), ...(value as string[])];
    else target[def.key] = value;
  }
  return warnings;
}

function parseValue(kind: Kind, name: string, raw: string, where: ConfigEntry, ctx: ApplyContext): unknown {
  const bad = (message: string) =>
    new ConfigError('E_CONFIG_VALUE', message, { whence: where.whence, ...(where.line > 0 ? { line: where.line } : {}) });
  switch (kind) {
    case 'bool':
      if (raw === 'true' || raw === 'yes' || raw === '1') return true;
      if (raw === 'false' || raw === 'no' || raw === '0') return false;
      throw bad(`Boolean setting '${name}' has invalid value '${raw}'`);
    case 'uint': {
      const n = parseSizeInt(raw);
      if (n === undefined) throw bad(`setting '${name}' has invalid value '${raw}'`);
      return n;
    }
    case 'max-jobs': {
      if (raw === 'auto') return Math.max(1, ctx.cpuCount);
      if (!/^[0-9]+$/.test(raw)) throw bad(`configuration setting '${name}' should be 'auto' or an integer`);
      return Number(raw);
    }
    case 'sandbox':
      if (raw === 'true' || raw === 'false' || raw === 'relaxed') return raw;
      if (raw === 'yes' || raw === '1') return 'true';
      if (raw === 'no' || raw === '0') return 'false';
      throw bad(`setting '${name}' has invalid value '${raw}', expected 'true', 'false' or 'relaxed'`);
    case 'string':
      return raw;
    case 'opt-string':
      return raw === '' ? undefined : raw;
    case 'list':
      return raw.split(/[ \t\r\n]+/).filter((t) => t !== '');
  }
}

const UNITS: Readonly<Record<string, number>> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** A non-negative integer with an optional K/M/G/T suffix (Nix: `string2IntWithUnitPrefix`). */
export function parseSizeInt(raw: string): number | undefined {
  const m = /^([0-9]+)([a-zA-Z]?)$/.exec(raw);
  if (!m) return undefined;
  const mult = m[2] ? UNITS[m[2].toUpperCase()] : 1;
  if (mult === undefined) return undefined;
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `FILE, line N`, or just the source for entries that have no line (`--option`). */
function describeWhere(e: ConfigEntry): string {
  return e.line > 0 ? `${e.whence}, line ${e.line}` : e.whence;
}
