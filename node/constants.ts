/**
 * Limits and defaults of the tix node, each with the reason for its value. Protocol-level
 * caps (frame sizes, paths per request) live with the codec in src/substitute/p2p/wire.ts.
 */

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

// ---- host -------------------------------------------------------------------------------

/** A private DHT: only peers speaking this id enter the routing table, never the IPFS one. */
export const DHT_PROTOCOL = '/tix/kad/1.0.0';
/** Where kad-dht keeps its records in the datastore (provider-records.ts writes the same layout). */
export const DHT_DATASTORE_PREFIX = '/tix-dht';
/** mDNS service name: a tix-specific tag so unrelated libp2p apps on the LAN are not discovered. */
export const MDNS_SERVICE_TAG = '_tix-p2p._udp.local';
/** mDNS query interval: libp2p's default; a new machine on the LAN is found within 10 s. */
export const MDNS_INTERVAL_MS = 10 * second;
/** Delay before dialing bootstrap peers after start (libp2p waits 1 s; the listeners are up sooner). */
export const BOOTSTRAP_DELAY_MS = 100;
/**
 * Inbound connections per second from one host: libp2p's default of 5 refuses a CI host that
 * runs many runners behind one address (and the 20-node loopback benchmark).
 */
export const INBOUND_CONNECTION_THRESHOLD = 100;
/** Pending inbound connection upgrades: libp2p's default 10 stalls a 20-node network starting at once. */
export const MAX_INCOMING_PENDING_CONNECTIONS = 64;
/** Open connections: libp2p's default; far above a team's fleet, bounded against floods. */
export const MAX_CONNECTIONS = 300;
/** Dial timeout: libp2p's default; LAN dials take milliseconds, 10 s covers a routed WAN. */
export const DIAL_TIMEOUT_MS = 10 * second;

/**
 * Yamux initial stream window. The spec's 256 KiB is what every tix node advertises; the
 * window then grows to YAMUX_MAX_WINDOW with the measured RTT. Larger initial windows are
 * applied unilaterally by the ChainSafe implementation (notes §5.4), so we keep the spec
 * value for interoperability and rely on the growth (bench/p2p/throughput.ts measures it).
 */
export const YAMUX_INITIAL_WINDOW = 256 * 1024;
/** Yamux largest stream window: 16 MiB (the default) covers 1 Gbit/s at 100 ms RTT. */
export const YAMUX_MAX_WINDOW = 16 * 1024 * 1024;
/** Yamux largest message: 256 KiB halves per-frame overhead against the 64 KiB default on NAR streams. */
export const YAMUX_MAX_MESSAGE = 256 * 1024;
/**
 * Bytes a stream may hold unread before libp2p aborts it. A reader that pauses its stream
 * (src/substitute/p2p/stream-io.ts: back-pressure on a slow restore) still receives what the
 * peer's window allowed it to send, up to YAMUX_MAX_WINDOW; libp2p's 4 MiB default would
 * abort such a stream.
 */
export const STREAM_MAX_READ_BUFFER = YAMUX_MAX_WINDOW + 1024 * 1024;
/**
 * libp2p's connection monitor pings every peer every 10 s and aborts the connection when a
 * ping takes longer than an adaptive timeout (5 s at least). A ping queues behind whatever
 * the connection carries — several NAR streams' windows on a slow link — so a busy, healthy
 * connection would be cut mid-transfer; stalled peers are dropped by the protocols' own idle
 * timeouts instead. (The monitor asks for /ipfs/ping/1.0.0, which a tix node does not
 * serve: the refusal measures the round trip. Pointing it at tix's own ping protocol made
 * the first transfers after a connection fail with every stream reset.)
 */
export const CONNECTION_PING_MIN_TIMEOUT_MS = 60 * second;

// ---- DHT --------------------------------------------------------------------------------

/** Kademlia bucket size and replication factor K (libp2p and the spec: 20). */
export const DHT_K = 20;
/** Provider records stay valid this long at the peers storing them (js/go kad-dht: 48 h). */
export const PROVIDER_VALIDITY_MS = 48 * hour;
/** Own records are re-announced every 22 h (Kubo's Provide.DHT.Interval), well inside validity. */
export const REPROVIDE_INTERVAL_MS = 22 * hour;
/** A sweep region should hold at least this many peers, so one lookup finds the K closest of all its keys. */
export const REGION_MIN_PEERS = DHT_K;
/** Time one region's closest-peers lookup may take before the sweep moves on (and retries later). */
export const REGION_LOOKUP_TIMEOUT_MS = 30 * second;
/** Regions swept in parallel. */
export const SWEEP_CONCURRENCY = 4;
/**
 * Peers of a region sent their batch at once. When a whole network sweeps together (all
 * nodes restarting), every node then serves a few streams at a time instead of one from
 * every peer, so each stream finishes well inside its timeout.
 */
export const SWEEP_PEERS_IN_FLIGHT = 6;
/** Delay after a path event before announcing: coalesces a build's outputs into one sweep. */
export const ANNOUNCE_DEBOUNCE_MS = 500;
/** Attempts to store one peer's batch in a sweep; each resumes after the last acknowledged record. */
export const SWEEP_PEER_ATTEMPTS = 3;
/** Pause before the second attempt (doubled before the third). */
export const SWEEP_PEER_RETRY_MS = 2 * second;
/** A key whose record fewer peers than this took in a sweep (busy, unreachable) is swept again... */
export const SWEEP_MIN_REPLICAS = 3;
/** ...after this long. */
export const SWEEP_RETRY_MS = 30 * second;
/** ADD_PROVIDER messages written before waiting for the stream to drain. */
export const ADD_PROVIDER_BATCH = 256;
/** Time a plain kad-dht peer may take to accept a region's batch of ADD_PROVIDER messages. */
export const ADD_PROVIDER_TIMEOUT_MS = 60 * second;
/** Time a batched GET_PROVIDERS exchange with one peer may take. */
export const GET_PROVIDERS_TIMEOUT_MS = 30 * second;
/**
 * Rounds of a batched provider lookup: [from, to, below] asks peers from..to-1 of each
 * key's K closest (where its records are) about the keys with fewer than `below` providers
 * so far — the closest about all, the next two while a key has fewer than two (a fallback
 * if one lies or has gone), the rest while it has none. A path two nodes hold costs one
 * question, a path nobody has K.
 */
export const GET_PROVIDERS_ROUNDS: ReadonlyArray<readonly [number, number, number]> = [[0, 1, Infinity], [1, 3, 2], [3, DHT_K, 1]];
/** Keys per GET_PROVIDERS stream to a plain kad-dht peer; a peer's batches run in parallel. */
export const GET_PROVIDERS_BATCH = 64;
/** tix's bulk provider-record protocol (provider-server.ts); peers without it get plain kad streams. */
export const PROVIDERS_PROTOCOL = '/tix/providers/1.0.0';
/** Messages a server accepts on one stream of the bulk protocol. */
export const PROVIDER_MAX_KEYS_PER_STREAM = 8192;
/**
 * Messages a client sends per stream: larger batches go over several streams one after
 * another, each acknowledged, so a failure part-way loses at most one stream's worth.
 */
export const PROVIDER_KEYS_PER_STREAM = 2048;
/** Messages the server stores (one datastore batch) or answers at a time. */
export const PROVIDER_CHUNK = 512;
/** Concurrent bulk-protocol streams served per peer (a sweep and a lookup or two). */
export const PROVIDER_MAX_CONCURRENT_PER_PEER = 4;
/** Time one bulk-protocol stream may take end to end (8,192 records take well under a second). */
export const PROVIDER_STREAM_TIMEOUT_MS = 60 * second;

// ---- inventory --------------------------------------------------------------------------

/** Neighbours we keep an inventory subscription with; beyond them lookups fall back to the DHT. */
export const MAX_INVENTORY_PEERS = 64;
/** Deltas are flushed this often: a burst of registrations costs one frame per neighbour. */
export const INVENTORY_FLUSH_MS = 200;
/** A new filter replaces the deltas once removed paths exceed this share of the filter's entries. */
export const INVENTORY_RESNAPSHOT_FRACTION = 0.25;
/** Time to wait for the first filter after subscribing; a silent neighbour is retried later. */
export const INVENTORY_SUBSCRIBE_TIMEOUT_MS = 30 * second;
/** Time a batched have-request may take per neighbour; lookups answer without it after that. */
export const HAVE_TIMEOUT_MS = 5 * second;

// ---- serving ----------------------------------------------------------------------------

/** Concurrent narinfo requests served per peer: each can ask 8,192 paths, so few are needed. */
export const NARINFO_MAX_CONCURRENT_PER_PEER = 4;
/** Concurrent NAR streams served per peer: Nix's max-substitution-jobs is 16; half per peer is fair. */
export const NAR_MAX_CONCURRENT_PER_PEER = 8;
/** Concurrent have-requests served per peer. */
export const HAVE_MAX_CONCURRENT_PER_PEER = 4;
/** Time a peer has to send its request frame after opening a stream. */
export const REQUEST_TIMEOUT_MS = 10 * second;
/** A NAR stream that makes no progress (peer not reading) for this long is aborted. */
export const NAR_STALL_TIMEOUT_MS = 60 * second;
/** Time to answer a narinfo request (store lookups included). */
export const NARINFO_RESPONSE_TIMEOUT_MS = 30 * second;
/** Inbound streams per connection and protocol accepted by libp2p before refusing (above the per-peer limits). */
export const MAX_INBOUND_STREAMS = 32;

// ---- control socket ---------------------------------------------------------------------

/** Longest request line accepted on the control socket. */
export const CONTROL_MAX_LINE_BYTES = 1024 * 1024;
/** Concurrent control connections (the CLI opens one per command). */
export const CONTROL_MAX_CONNECTIONS = 64;

/**
 * The HTTP facade's bound on asking the network for a path the store lacks (lookup plus
 * narinfo): past it the client gets a 404, because Nix disables a substituter that stalls.
 */
export const FACADE_LOOKUP_MS = 2500;

/** A NAR a peer streams to the facade that stays silent this long is dropped (aborted response). */
export const FACADE_NAR_IDLE_MS = 10 * second;

/** Narinfos the facade found on the network, kept so the NAR request that follows knows its providers. */
export const FACADE_CACHE_ENTRIES = 4096;
export const FACADE_CACHE_MS = 10 * minute;
