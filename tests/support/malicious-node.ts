/**
 * A scripted malicious tix node, run as its own process by the adversary tests:
 *
 *     node tests/support/malicious-node.ts SCRIPT.json
 *
 * It is a real `TixNode` (inventory filters, have-requests, narinfo serving, DHT) over an
 * in-memory source, so peers find it as they find any provider; what it serves comes from
 * the script, and its NAR protocol handler is replaced by one that sends whatever the
 * script says, frame by frame (`wire`). Prints `{"address", "peerId"}` on stdout once it
 * listens, logs every narinfo and NAR request to stderr as `asked narinfo|nar <hash part>`
 * (so a test can tell that a penalised peer was not asked), and stops on SIGTERM.
 *
 * With `"honest": true` the NAR handler is left alone: the node serves its paths as any
 * node does (the honest provider of the same tests).
 */

import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TixNode } from '../../node/daemon.ts';
import { createLogger } from '../../node/log.ts';
import { StoreDir, type StorePath } from '../../src/store/index.ts';
import {
  decodeBody, encodeFrame, FRAME_CAP, FrameDecoder, MemoryPathSource, PROTOCOL_NAR,
  type AbortOptions, type Message, type NarSource, type PathEvent, type PathInfoSource, type ServedPathInfo,
} from '../../src/substitute/index.ts';

/** How the NAR of an entry goes on the wire. */
export type WireLie =
  | 'exact' // header(narSize = NAR length), the NAR, nar-end: an honest transfer of whatever `nar` is
  | 'overflow' // header(narSize = NarSize), the NAR plus 64 KiB more, nar-end
  | 'endless' // header(narSize = NarSize), then nar-data frames forever
  | 'endless-empty' // header(narSize = NarSize), then empty nar-data frames forever
  | 'header-over' // header announcing 1 MiB more than NarSize
  | 'zstd'; // header(compression zstd), `nar` is sent as the compressed bytes

export interface ScriptEntry {
  /** Absolute store path. */
  storePath: string;
  /** The narinfo served for it, as is; absent: claimed (inventory, have-requests, DHT) but not served. */
  narinfo?: string;
  /** NarSize as the narinfo says (the header's size for the lies that need one). */
  narSize?: number;
  /** The NAR bytes (base64). */
  nar?: string;
  wire?: WireLie;
}

export interface Script {
  entries: ScriptEntry[];
  honest?: boolean;
}

const storeDir = new StoreDir('/nix/store');
const script = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Script;
const byHash = new Map(script.entries.map((e) => [storeDir.parsePath(e.storePath).hashPart, e]));
const say = (line: string): void => { process.stderr.write(`${line}\n`); };

/** The served paths, plus the claimed-only ones in the listing (what the inventory and DHT announce). */
class ScriptedSource implements PathInfoSource, NarSource {
  readonly #mem = new MemoryPathSource();
  readonly #claimed: StorePath[] = [];

  constructor(entries: readonly ScriptEntry[]) {
    for (const e of entries) {
      const path = storeDir.parsePath(e.storePath);
      if (e.narinfo === undefined) this.#claimed.push(path);
      else this.#mem.add({ storePath: path, narSize: e.narSize ?? 0, narinfo: e.narinfo }, e.nar ? Buffer.from(e.nar, 'base64') : undefined);
    }
  }

  async *listValidPaths(options?: AbortOptions): AsyncIterable<StorePath> {
    yield* this.#mem.listValidPaths(options);
    yield* this.#claimed;
  }

  async queryPathInfos(hashParts: readonly string[]): Promise<Map<string, ServedPathInfo>> {
    for (const h of hashParts) say(`asked narinfo ${h}`);
    return await this.#mem.queryPathInfos(hashParts);
  }

  subscribe(listener: (event: PathEvent) => void): () => void {
    return this.#mem.subscribe(listener);
  }

  openNar(hashPart: string): ReturnType<MemoryPathSource['openNar']> {
    say(`asked nar ${hashPart}`);
    return this.#mem.openNar(hashPart);
  }
}

type Stream = AsyncIterable<Uint8Array | { subarray(): Uint8Array }> & {
  send(d: Uint8Array): boolean; onDrain(): Promise<void>; close(): Promise<void>; abort(e: Error): void;
};

async function readRequest(stream: Stream): Promise<Message> {
  const d = new FrameDecoder(FRAME_CAP.nar);
  for await (const c of stream) {
    d.push(c instanceof Uint8Array ? c : c.subarray());
    const f = d.next();
    if (f) return decodeBody(f.body);
  }
  throw new Error('no request');
}

/** Send with back-pressure; false once the peer has gone (it aborted the stream). */
async function send(stream: Stream, bytes: Uint8Array): Promise<boolean> {
  try {
    if (!stream.send(bytes)) await stream.onDrain();
    return true;
  } catch {
    return false;
  }
}

const CHUNK = 64 * 1024;
/** Bound on what the endless lies send (the client must stop long before). */
const ENDLESS_LIMIT = 512 * 1024 * 1024;

async function serveNar(stream: Stream): Promise<void> {
  const req = await readRequest(stream);
  if (req.type !== 'nar-request') return stream.abort(new Error('bad request'));
  say(`asked nar ${req.hashPart}`);
  const e = byHash.get(req.hashPart);
  if (!e?.nar) {
    await send(stream, encodeFrame({ type: 'error', code: 3, message: `${req.hashPart} is not valid here` }));
    await stream.close().catch(() => {});
    return;
  }
  const nar = Buffer.from(e.nar, 'base64');
  const data = (b: Uint8Array): Uint8Array => encodeFrame({ type: 'nar-data', bytes: b });
  const chunks = async (b: Uint8Array): Promise<boolean> => {
    for (let i = 0; i < b.length; i += CHUNK) if (!(await send(stream, data(b.subarray(i, i + CHUNK))))) return false;
    return true;
  };
  const narSize = e.narSize ?? nar.length;
  const wire = e.wire ?? 'exact';
  const header = (size: number, compression: 'none' | 'zstd' = 'none'): Promise<boolean> => send(stream, encodeFrame({ type: 'nar-header', compression, narSize: size }));
  switch (wire) {
    case 'exact':
      if (await header(nar.length) && await chunks(nar)) await send(stream, encodeFrame({ type: 'nar-end', narSize: nar.length }));
      break;
    case 'overflow':
      if (await header(narSize) && await chunks(nar) && await chunks(new Uint8Array(CHUNK))) await send(stream, encodeFrame({ type: 'nar-end', narSize: nar.length + CHUNK }));
      break;
    case 'header-over':
      if (await header(narSize + (1 << 20))) await chunks(nar);
      break;
    case 'zstd':
      if (await header(narSize, 'zstd') && await chunks(nar)) await send(stream, encodeFrame({ type: 'nar-end', narSize }));
      break;
    case 'endless': {
      if (!(await header(narSize))) break;
      const zeros = data(new Uint8Array(CHUNK));
      for (let sent = 0; sent < ENDLESS_LIMIT; sent += CHUNK) if (!(await send(stream, zeros))) break;
      break;
    }
    case 'endless-empty': {
      if (!(await header(narSize))) break;
      const empties = Buffer.concat(Array.from({ length: 4096 }, () => data(new Uint8Array(0))));
      for (let sent = 0; sent < ENDLESS_LIMIT; sent += empties.length) if (!(await send(stream, empties))) break;
      break;
    }
  }
  await stream.close().catch(() => {});
}

const source = new ScriptedSource(script.entries);
const node = await TixNode.create(
  // A liar's NARs go only through its scripted /tix/nar handler (no bulk channel to bypass it).
  { stateDir: mkdtempSync(join(tmpdir(), 'tix-malicious-')), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, persistent: false, controlSocket: false, bulkChannel: script.honest === true },
  { source, nars: source, log: createLogger(script.honest ? 'honest' : 'malicious', say) },
);
await node.start();
if (!script.honest) {
  await node.host.unhandle(PROTOCOL_NAR);
  await node.host.handle(PROTOCOL_NAR, (stream) => { serveNar(stream as unknown as Stream).catch((err: Error) => say(`nar handler: ${err.message}`)); });
}
const address = node.host.getMultiaddrs()[0]!.toString();
process.stdout.write(JSON.stringify({ address, peerId: node.host.peerId.toString() }) + '\n');
const stop = (): void => { void node.stop().finally(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
