import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decodeKadMessage, encodeKadMessage, KAD_ADD_PROVIDER, KAD_GET_PROVIDERS } from '../../../node/kad-message.ts';
import { FrameDecoder } from '../../../src/substitute/p2p/wire.ts';

function unframe(b: Uint8Array): Uint8Array {
  const d = new FrameDecoder(1 << 20);
  d.push(b);
  return d.next()!.body;
}

describe('encodeKadMessage() and decodeKadMessage()', () => {
  it('round-trips an ADD_PROVIDER message', () => {
    const key = Uint8Array.from({ length: 34 }, (_, i) => i);
    const providers = [{ id: new Uint8Array([1, 2, 3]), multiaddrs: [new Uint8Array([4, 5]), new Uint8Array(200).fill(9)] }];
    const m = decodeKadMessage(unframe(encodeKadMessage({ type: KAD_ADD_PROVIDER, key, providers })));
    assert.deepEqual({ type: m.type, key: m.key, providers: m.providers, closer: m.closer }, { type: KAD_ADD_PROVIDER, key, providers, closer: [] });
  });

  it('encodes GET_PROVIDERS as the protobuf bytes of the kad spec', () => {
    // field 1 (varint) = 3, field 2 (bytes) = [0xaa]
    assert.deepEqual(unframe(encodeKadMessage({ type: KAD_GET_PROVIDERS, key: new Uint8Array([0xaa]) })), Uint8Array.from([0x08, 0x03, 0x12, 0x01, 0xaa]));
  });

  it('skips fields it does not use', () => {
    // clusterLevel (field 10, varint) and a record (field 3, bytes) before the type.
    const m = decodeKadMessage(Uint8Array.from([0x50, 0x05, 0x1a, 0x02, 0x01, 0x02, 0x08, 0x03]));
    assert.equal(m.type, KAD_GET_PROVIDERS);
  });

  it('rejects a field running past the message', () => {
    assert.throws(() => decodeKadMessage(Uint8Array.from([0x12, 0x05, 0x01])), /past the message/);
  });
});
