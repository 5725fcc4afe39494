/**
 * Entry point of the node daemon process: `node node/main.ts '<NodeConfig JSON>'`.
 * `tix node start` parses the flags and spawns this (cli/ and node/ never import each
 * other). Runs in the foreground, logs to stderr, stops cleanly on SIGINT or SIGTERM (a
 * second signal exits at once).
 */

import { parsePublicKeys } from '../src/store/index.ts';
import { LocalStore, resolveStoreLayout } from '../src/store/local/index.ts';
import { BinaryCacheDirSource, MemoryPathSource, type NarSource, type NodeConfig, type PathInfoSource } from '../src/substitute/index.ts';
import type { TrustPolicy } from '../src/trust/index.ts';
import { TixNode, type TixNodeComponents } from './daemon.ts';
import { LocalStoreSource } from './store-source.ts';
import { createLogger, describeError } from './log.ts';
import { importerOf } from './store-importer.ts';

const log = createLogger('tix-node');
/** Nix's default `stalled-download-timeout`, for a configuration written without it. */
const DEFAULT_STALLED_DOWNLOAD_TIMEOUT_S = 300;

function parseConfig(arg: string | undefined): NodeConfig {
  if (arg === undefined) throw new Error('usage: node/main.ts <NodeConfig JSON> (normally started by `tix node start`)');
  const c = JSON.parse(arg) as NodeConfig;
  const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (typeof c.stateDir !== 'string' || !strings(c.listen) || !strings(c.peers) || typeof c.mdns !== 'boolean' || typeof c.storeDir !== 'string') {
    throw new Error('malformed node configuration');
  }
  return c;
}

async function main(): Promise<number> {
  const config = parseConfig(process.argv[2]);
  let source: PathInfoSource & NarSource;
  let cache: BinaryCacheDirSource | undefined;
  let store: LocalStore | undefined;
  let storeSource: LocalStoreSource | undefined;
  let substitution: TixNodeComponents['substitution'];
  if (config.store !== null && config.serveCache === null) {
    store = await LocalStore.open(resolveStoreLayout(config.store));
    source = storeSource = new LocalStoreSource(store, log.child('store'));
    substitution = { store: importerOf(store), policy: trustPolicy(config, store, (m) => log.warn(m)) };
    config.storeDir = store.storeDir.dir;
  } else if (config.serveCache !== null) {
    cache = new BinaryCacheDirSource(config.serveCache, (m) => log.warn(m));
    await cache.open();
    source = cache;
  } else {
    source = new MemoryPathSource();
  }
  const node = await TixNode.create({
    stateDir: config.stateDir,
    listen: config.listen,
    bootstrap: config.peers,
    mdns: config.mdns ? {} : false,
    ...(config.pskFile ? { pskFile: config.pskFile } : {}),
    storeDir: config.storeDir,
    ...(config.httpPort !== null ? { httpPort: config.httpPort } : {}),
    bulkChannel: config.bulkChannel ?? true,
    stallTimeoutMs: (config.stalledDownloadTimeout ?? DEFAULT_STALLED_DOWNLOAD_TIMEOUT_S) * 1000,
    penalties: {
      ...(config.peerPenaltyThreshold !== undefined ? { threshold: config.peerPenaltyThreshold } : {}),
      ...(config.peerPenaltyCooldown !== undefined ? { cooldownMs: config.peerPenaltyCooldown * 1000 } : {}),
    },
  }, { source, nars: source, log, substitution });
  let stopping = false;
  const { promise: stopped, resolve: resolveStopped } = Promise.withResolvers<void>();
  const stop = (signal: string): void => {
    if (stopping) {
      log.warn(`${signal} again: exiting without a clean shutdown`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: stopping`);
    void started.then(() => node.stop()).finally(async () => {
      cache?.close();
      await storeSource?.close();
      await store?.close();
      resolveStopped();
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const started = node.start();
  await started;
  await stopped;
  return 0;
}

/** `trusted-public-keys` and `require-sigs` as the CLI passed them; unparsable keys are reported and left out. */
function trustPolicy(config: NodeConfig, store: LocalStore, warn: (m: string) => void): TrustPolicy {
  const keys = parsePublicKeys(config.trustedPublicKeys, 'trusted-public-keys', (e) => warn(e.message));
  return { trustedKeys: keys, requireSigs: config.requireSigs, storeDir: store.storeDir };
}

let code: number;
try {
  code = await main();
} catch (e) {
  log.error(describeError(e));
  code = (e as { code?: string }).code === 'E_USAGE' ? 2 : 1;
}
// libp2p may leave timers behind after stop(); the daemon's work is done, so exit now.
process.exit(code);
