/**
 * `tix node start|status`: run the P2P node daemon in the foreground, or ask a running one
 * for its status over its control socket.
 *
 * `start` parses the flags here and spawns `node/main.ts` with the resulting configuration
 * as one JSON argument: cli/ and node/ never import each other, and the daemon is an
 * ordinary process whose stderr is the log. Signals reach it directly (Ctrl-C goes to the
 * whole process group; SIGTERM sent to this process is forwarded), and its exit code is ours.
 */

import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient, defaultStateDir, type NodeConfig, type NodeStatus } from '../../src/substitute/index.ts';
import { parseArgs, UsageError } from '../args.ts';
import { writeStdout } from '../output.ts';
import { commandSettings } from '../settings.ts';

export const summary = 'run a P2P substitution node, or show the status of the running one';

export const help = `Usage:
  tix node start [--state DIR] [--store DIR] [--serve-cache DIR] [--listen MULTIADDR]...
                 [--peer MULTIADDR]... [--no-mdns] [--psk-file FILE] [--http-port N]
  tix node status [--state DIR] [--json]

start    Run the node in the foreground, logging to stderr, until SIGINT or SIGTERM.
  --state DIR        State directory: identity key, datastore, control socket
                     (default: $TIX_STATE_DIR, else $XDG_STATE_HOME/tix/node, else ~/.local/state/tix/node).
  --listen MULTIADDR Address to listen on, repeatable (default /ip4/0.0.0.0/tcp/0; port 0 = any free port).
  --peer MULTIADDR   Bootstrap peer (/ip4/A/tcp/P/p2p/ID), repeatable; for routed or air-gapped networks.
  --no-mdns          Do not discover peers on the LAN with mDNS.
  --psk-file FILE    Private network key (go-ipfs swarm.key format): peers without it cannot connect.
  --serve-cache DIR  Serve the Nix binary cache in DIR (nix copy --to file://DIR, compression none or zstd).
  --store DIR        The local tix store (the \`store\` setting): its valid paths are announced and
                     served, and substitutes from peers go into it. Peers' narinfos must be signed
                     by a key in \`trusted-public-keys\` (require-sigs; tix.conf or --option).
  --http-port N      Also serve the store as a Nix binary cache on http://127.0.0.1:N
                     (0: any free port; see 'tix node status').
  A peer whose answer is refused (wrong NAR hash or size, forged signature, malformed NAR)
  is not asked for that path again for an hour, and after \`peer-penalty-threshold\` (3)
  such answers not at all for \`peer-penalty-cooldown\` seconds (600); see 'penalties' in
  the status.
  NARs of 1 MiB or more go over a direct TCP bulk channel (AES-256-GCM, key and one-time
  token sent inside the libp2p connection), falling back to the libp2p stream;
  \`p2p-bulk-channel = false\` (tix.conf or --option) turns it off.

status   Show the running node's peer id, addresses, peers, announced paths and transfer counters.
  --json             Print the status as JSON (keys: peerId, addresses, httpPort, peers, announced,
                     transfers, penalties).
`;

const daemonEntry = fileURLToPath(new URL('../../node/main.ts', import.meta.url));

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'start') return await start(rest);
  if (sub === 'status') return await status(rest);
  throw new UsageError(sub === undefined ? "'tix node' needs a subcommand: start or status" : `unknown subcommand 'node ${sub}' (expected start or status)`);
}

async function start(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [
    { name: 'state', arity: 1 }, { name: 'store', arity: 1 }, { name: 'serve-cache', arity: 1 },
    { name: 'listen', arity: 1, repeatable: true }, { name: 'peer', arity: 1, repeatable: true },
    { name: 'no-mdns' }, { name: 'psk-file', arity: 1 }, { name: 'http-port', arity: 1 },
  ]);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const settings = commandSettings({ flags, positionals });
  const port = flags.get('http-port') as string | undefined;
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) > 65535)) throw new UsageError(`--http-port '${port}' is not a port number`);
  const path = (name: string): string | null => (flags.has(name) ? resolve(flags.get(name) as string) : null);
  const config: NodeConfig = {
    stateDir: path('state') ?? defaultStateDir(process.env),
    listen: (flags.get('listen') as string[] | undefined) ?? ['/ip4/0.0.0.0/tcp/0'],
    peers: (flags.get('peer') as string[] | undefined) ?? [],
    mdns: !flags.has('no-mdns'),
    pskFile: path('psk-file'),
    store: flags.has('serve-cache') ? null : storeSetting(settings.store),
    trustedPublicKeys: settings.trustedPublicKeys,
    requireSigs: settings.requireSigs,
    serveCache: path('serve-cache'),
    httpPort: port === undefined ? null : Number(port),
    storeDir: '/nix/store',
    stalledDownloadTimeout: settings.stalledDownloadTimeout,
    peerPenaltyThreshold: settings.peerPenaltyThreshold,
    peerPenaltyCooldown: settings.peerPenaltyCooldown,
    bulkChannel: settings.p2pBulkChannel,
  };
  const child = spawn(process.execPath, ['--no-warnings=ExperimentalWarning', daemonEntry, JSON.stringify(config)], { stdio: 'inherit' });
  // Ctrl-C reaches the daemon through the process group; we only wait for it.
  const ignore = (): void => {};
  const forward = (): void => { child.kill('SIGTERM'); };
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (code, signal) => res(code ?? 128 + (signal ? osConstants.signals[signal] : 0)));
    });
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
  }
}

/** A directory given as the store is made absolute: the daemon runs with another working directory. */
function storeSetting(store: string): string {
  return store === 'auto' || store === '' || store.startsWith('local') || store.startsWith('/') ? store : resolve(store);
}

async function status(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ name: 'state', arity: 1 }, { name: 'json' }]);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const stateDir = flags.has('state') ? resolve(flags.get('state') as string) : defaultStateDir(process.env);
  const client = await ControlClient.connect(stateDir);
  try {
    const s = await client.status();
    writeStdout(flags.has('json') ? JSON.stringify(s, null, 2) + '\n' : renderStatus(s));
  } finally {
    client.close();
  }
  return 0;
}

export function renderStatus(s: NodeStatus): string {
  const t = s.transfers;
  const nb = s.peers.filter((p) => p.neighbour).length;
  const lines = [
    `peer id     ${s.peerId}`,
    `addresses   ${s.addresses.join('\n            ') || '-'}`,
    `http port   ${s.httpPort ?? '-'}`,
    `peers       ${s.peers.length} connected, ${nb} neighbours`,
    ...s.peers.map((p) => `  ${p.peerId}  ${p.addresses[0] ?? ''}${p.paths === null ? '' : `  ${p.paths} paths`}`),
    `announced   ${s.announced} paths (DHT: ${s.dht.records} records in ${s.dht.sweeps} sweeps, routing table ${s.dht.routingTable})`,
    `served      ${t.narinfosServed} narinfos in ${t.narinfoRequestsServed} requests, ${t.narsServed} NARs (${t.bulkNarsServed} over bulk channels; ${t.narBytesServed} bytes, ${t.wireBytesServed} on the wire), ${t.haveRequestsServed} have-requests, ${t.requestsRefused} refused`,
    `lookups     ${t.lookups} (${t.lookupPaths} paths)`,
    `penalties   ${(s.penalties ?? []).length === 0 ? '-' : ''}`,
    ...(s.penalties ?? []).map((p) => `  ${p.peerId}  ${p.failures} rejected, ${p.bannedPaths} paths skipped${p.cooldownUntil === null ? '' : `, cooling down until ${new Date(p.cooldownUntil).toISOString()}`}; last: ${p.lastReason}`),
  ];
  return lines.join('\n') + '\n';
}
