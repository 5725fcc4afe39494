/**
 * From settings (nix.conf names, as the config layer parses them) to everything a
 * realisation needs besides the store: the sandbox, substituters, the trust policy for
 * substitutes and the signing policy for new outputs. One place, so `tix build`,
 * `tix realise` and the node set builds up the same way.
 */

import { readFileSync } from 'node:fs';
import { errorMessage } from '../errors.ts';
import { parsePublicKeys, parseSecretKey, type SecretKey } from '../store/signature/keys.ts';
import { signPathInfo } from '../store/path-info.ts';
import type { StoreDir } from '../store/store-dir.ts';
import { openSubstituters } from '../substitute/open.ts';
import type { Substituter } from '../substitute/substituter.ts';
import type { TrustPolicy } from '../trust/verdict.ts';
import type { BuildStore } from './build-store.ts';
import { BuildError } from './errors.ts';
import type { OutputPolicy } from './outputs.ts';
import type { RealiseOptions } from './realise.ts';
import { parseSandboxPath, type Sandbox, type SandboxPath } from './sandbox.ts';
import { BwrapSandbox } from './sandbox-bwrap.ts';
import { NoSandbox } from './sandbox-none.ts';

/** The settings a build reads; the config layer's `Settings` has all of them. */
export interface BuildSettings {
  readonly sandbox: 'true' | 'false' | 'relaxed';
  readonly sandboxPaths: readonly string[];
  readonly sandboxFallback: boolean;
  readonly buildDir: string | undefined;
  readonly maxJobs: number;
  readonly cores: number;
  readonly keepGoing: boolean;
  readonly logLines: number;
  readonly system: string;
  readonly extraPlatforms: readonly string[];
  readonly substitute: boolean;
  readonly substituters: readonly string[];
  readonly trustedPublicKeys: readonly string[];
  readonly requireSigs: boolean;
  readonly secretKeyFiles: readonly string[];
  readonly maxSubstitutionJobs: number;
  /** `stalled-download-timeout` (seconds) for substituters' transfers; default 300. */
  readonly stalledDownloadTimeout?: number;
  /** `fallback`: build locally when substituting a derivation's outputs fails. */
  readonly fallback?: boolean;
  /** `nix-store-root`: real Nix's store to take content-addressed paths (its `.drv`s) from; '' for none. */
  readonly nixStoreRoot?: string;
}

export interface SessionIo {
  /** Warnings for the user (`warning: …` on stderr in the CLI). */
  warn(message: string): void;
  /** Number of CPUs, for `cores = 0`. */
  readonly cpuCount: number;
  readonly hostEnv?: (name: string) => string | undefined;
  /** State dir of a tix node to substitute from when one is running there (the CLI passes the default). */
  readonly nodeStateDir?: string;
}

/** Realisation options from settings; `targets` and per-run flags are the caller's. */
export async function openBuildSession(settings: BuildSettings, store: BuildStore, io: SessionIo): Promise<Omit<RealiseOptions, 'signal'>> {
  const sandbox = makeSandbox(settings, store, io);
  const secretKeys = settings.secretKeyFiles.map(readSecretKey);
  const trust = trustPolicy(settings, secretKeys, store.storeDir, io);
  const node = io.nodeStateDir === undefined ? undefined : { stateDir: io.nodeStateDir, realStoreDir: store.realStoreDir };
  const substituters: Substituter[] = settings.substitute
    ? await openSubstituters(settings.substituters, store.storeDir, io.warn, node, { stalledDownloadTimeout: settings.stalledDownloadTimeout, nixStoreRoot: settings.nixStoreRoot, realStoreDir: store.realStoreDir })
    : [];
  return {
    store,
    sandbox,
    substituters,
    trust,
    maxJobs: settings.maxJobs,
    maxSubstitutionJobs: settings.maxSubstitutionJobs,
    fallback: settings.fallback ?? false,
    keepGoing: settings.keepGoing,
    cores: settings.cores > 0 ? settings.cores : io.cpuCount,
    buildDir: settings.buildDir,
    sandboxPaths: resolveSandboxPaths(settings.sandboxPaths, store),
    logLines: settings.logLines,
    system: settings.system,
    extraPlatforms: settings.extraPlatforms,
    policy: signingPolicy(secretKeys, store.storeDir),
    hostEnv: io.hostEnv,
  };
}

function makeSandbox(settings: BuildSettings, store: BuildStore, io: SessionIo): Sandbox {
  const inPlace = store.realStoreDir === store.storeDir.dir;
  if (settings.sandbox === 'false') {
    io.warn('building without a sandbox (sandbox = false): builders can read and change anything you can');
    return new NoSandbox({ inPlace });
  }
  try {
    return new BwrapSandbox();
  } catch (e) {
    // Nix's `sandbox-fallback`: without the means to sandbox, build unsandboxed, loudly.
    if (!settings.sandboxFallback || !inPlace) throw e;
    io.warn(`${errorMessage(e)}; building without a sandbox (sandbox-fallback = true)`);
    return new NoSandbox({ inPlace });
  }
}

/** `target=source` entries; a source inside the store is bound from where the store really is. */
function resolveSandboxPaths(entries: readonly string[], store: BuildStore): SandboxPath[] {
  const prefix = store.storeDir.dir + '/';
  return entries.map((e) => {
    const p = parseSandboxPath(e);
    if (!p.source.startsWith(prefix)) return p;
    return { ...p, source: store.realStoreDir + p.source.slice(store.storeDir.dir.length) };
  });
}

function readSecretKey(file: string): SecretKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BuildError('E_BAD_DERIVATION', `cannot read secret key file '${file}' (secret-key-files): ${errorMessage(e)}`, { cause: e });
  }
  return parseSecretKey(text, file);
}

/** `trusted-public-keys` plus the public halves of `secret-key-files` (as Nix's `getDefaultPublicKeys`). */
function trustPolicy(settings: BuildSettings, secretKeys: readonly SecretKey[], storeDir: StoreDir, io: SessionIo): TrustPolicy {
  const keys = parsePublicKeys(settings.trustedPublicKeys, 'trusted-public-keys', (e) => io.warn(errorMessage(e)));
  for (const s of secretKeys) keys.set(s.name, { name: s.name, key: s.key.subarray(32) });
  return { trustedKeys: keys, requireSigs: settings.requireSigs, storeDir };
}

function signingPolicy(keys: readonly SecretKey[], storeDir: StoreDir): OutputPolicy {
  return { sign: (info) => keys.map((k) => signPathInfo(info, storeDir, k)) };
}
