/**
 * The few kad-dht RPC messages the batched announcer and lookup send themselves, in the
 * libp2p Kademlia wire format (libp2p/specs kad-dht, `dht.proto`): a uvarint length prefix
 * then a protobuf `Message`:
 *
 *     Message  { 1: type (varint), 2: key (bytes), 8: closer (PeerInfo*), 9: providers (PeerInfo*), 10: clusterLevel }
 *     PeerInfo { 1: id (peer id multihash bytes), 2: multiaddrs (bytes*), 3: connection (varint) }
 *
 * The standard js kad-dht server reads messages from a stream in a loop, so many
 * ADD_PROVIDER or GET_PROVIDERS messages can share one stream — that is the batching.
 */

export const KAD_ADD_PROVIDER = 2;
export const KAD_GET_PROVIDERS = 3;
export const KAD_PING = 5;

export interface KadPeerInfo {
  id: Uint8Array;
  multiaddrs: Uint8Array[];
}

export interface KadMessage {
  type: number;
  key?: Uint8Array;
  closer: KadPeerInfo[];
  providers: KadPeerInfo[];
}

/** Encode a message with its uvarint length prefix. */
export function encodeKadMessage(m: { type: number; key: Uint8Array; providers?: KadPeerInfo[] }): Uint8Array {
  const out = new Writer();
  out.tag(1, 0).varint(m.type);
  out.tag(2, 2).bytes(m.key);
  for (const p of m.providers ?? []) {
    const pi = new Writer();
    pi.tag(1, 2).bytes(p.id);
    for (const a of p.multiaddrs) pi.tag(2, 2).bytes(a);
    out.tag(9, 2).bytes(pi.finish());
  }
  const body = out.finish();
  const framed = new Writer();
  framed.varint(body.length);
  framed.raw(body);
  return framed.finish();
}

/** Decode one message body (without its length prefix). */
export function decodeKadMessage(b: Uint8Array): KadMessage {
  const m: KadMessage = { type: -1, closer: [], providers: [] };
  readFields(b, (field, wire, r) => {
    if (field === 1 && wire === 0) m.type = r.varint();
    else if (field === 2 && wire === 2) m.key = r.bytes();
    else if ((field === 8 || field === 9) && wire === 2) (field === 8 ? m.closer : m.providers).push(decodePeerInfo(r.bytes()));
    else r.skip(wire);
  });
  return m;
}

function decodePeerInfo(b: Uint8Array): KadPeerInfo {
  const p: KadPeerInfo = { id: new Uint8Array(), multiaddrs: [] };
  readFields(b, (field, wire, r) => {
    if (field === 1 && wire === 2) p.id = r.bytes();
    else if (field === 2 && wire === 2) p.multiaddrs.push(r.bytes());
    else r.skip(wire);
  });
  return p;
}

class Writer {
  readonly #chunks: number[] = [];
  #bufs: Uint8Array[] = [];
  #flush(): void {
    if (this.#chunks.length) this.#bufs.push(Uint8Array.from(this.#chunks.splice(0)));
  }
  varint(n: number): this {
    while (n >= 0x80) { this.#chunks.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
    this.#chunks.push(n);
    return this;
  }
  tag(field: number, wire: number): this { return this.varint(field * 8 + wire); }
  bytes(b: Uint8Array): this { this.varint(b.length); return this.raw(b); }
  raw(b: Uint8Array): this { this.#flush(); this.#bufs.push(b); return this; }
  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#bufs.reduce((n, b) => n + b.length, 0));
    let o = 0;
    for (const b of this.#bufs) { out.set(b, o); o += b.length; }
    return out;
  }
}

class Reader {
  readonly #b: Uint8Array;
  i = 0;
  constructor(b: Uint8Array) { this.#b = b; }
  get done(): boolean { return this.i >= this.#b.length; }
  varint(): number {
    let n = 0;
    for (let s = 0; ; s += 7) {
      if (this.i >= this.#b.length || s > 49) throw new Error('malformed protobuf varint');
      const c = this.#b[this.i++]!;
      n += (c & 0x7f) * 2 ** s;
      if ((c & 0x80) === 0) return n;
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.i + n > this.#b.length) throw new Error('protobuf field runs past the message');
    const v = this.#b.subarray(this.i, this.i + n);
    this.i += n;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.i += 8;
    else if (wire === 5) this.i += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

function readFields(b: Uint8Array, f: (field: number, wire: number, r: Reader) => void): void {
  const r = new Reader(b);
  while (!r.done) {
    const tag = r.varint();
    f(Math.floor(tag / 8), tag & 7, r);
  }
}
