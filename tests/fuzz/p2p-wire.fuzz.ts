/**
 * Fuzz target: the peer protocol frame codec (src/substitute/p2p/wire.ts).
 *
 * The input is a byte stream from a peer. Contract: `FrameDecoder` and `decodeBody` return
 * frames and messages or throw a `WireError` with an `E_WIRE_...` code and the stream offset
 * of the frame. Properties: feeding the stream in arbitrary chunks yields the same frames
 * and the same error as feeding it at once; a decoded message encodes to a frame that
 * decodes to the same message; and, except for text fields that are not valid UTF-8 (the
 * decoder replaces those bytes) and bits the decoder ignores (unknown flags, bitmap
 * padding), it encodes to exactly the bytes it came from.
 */

import { decodeBody, encodeFrame, FRAME_CAP, FrameDecoder, type Message } from '../../src/substitute/p2p/wire.ts';
import { expectSame, expectTixError, violation } from './support/contract.ts';
import { splitChunks } from './support/chunks.ts';

interface Outcome {
  frames: { body: Uint8Array; offset: number }[];
  error?: string;
}

const WIRE = { names: ['WireError'], location: 'offset' } as const;

function frames(chunks: readonly Uint8Array[], cap: number, total: number): Outcome {
  const d = new FrameDecoder(cap);
  const out: Outcome = { frames: [] };
  try {
    for (const c of chunks) {
      d.push(c);
      for (let f = d.next(); f; f = d.next()) out.frames.push(f);
    }
    d.end();
  } catch (e) {
    expectTixError(e, { ...WIRE, extent: total });
    out.error = `${e.code}@${(e as { offset?: number }).offset}`;
  }
  return out;
}

function show(o: Outcome): string {
  return JSON.stringify({ frames: o.frames.map((f) => [f.offset, Buffer.from(f.body).toString('hex')]), error: o.error });
}

/** A message as comparable text (bytes as hex). */
export function showMessage(m: Message): string {
  // (the holder's raw value: a Buffer would already have been turned into JSON by toJSON)
  return JSON.stringify(m, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = this[k];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString('hex') : v;
  });
}

function isValidUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the body holds bits the decoder ignores, which a re-encoding then drops: text
 * that is not valid UTF-8 (replaced), nar-request flag bits it does not know (room for new
 * flags), and have-response bitmap bits past `count` (padding).
 */
function ignoredBits(m: Message, body: Uint8Array): boolean {
  const last = body[body.length - 1]!;
  switch (m.type) {
    case 'narinfo':
      return !isValidUtf8(body.subarray(1));
    case 'error':
      return !isValidUtf8(body.subarray(3));
    case 'nar-request':
      return (last & ~1) !== 0;
    case 'have-response':
      return m.have.length % 8 !== 0 && last >> m.have.length % 8 !== 0;
    default:
      return false;
  }
}

export function fuzz(data: Buffer): void {
  for (const cap of [FRAME_CAP.nar, 64]) {
    const whole = frames([data], cap, data.length);
    const split = frames(splitChunks(data), cap, data.length);
    expectSame(`frames read at once and in chunks (cap ${cap})`, show(whole), show(split));
    if (cap !== FRAME_CAP.nar) continue;
    for (const f of whole.frames) {
      let m: Message;
      try {
        m = decodeBody(f.body, f.offset);
      } catch (e) {
        expectTixError(e, { ...WIRE, extent: data.length });
        if ((e as { offset?: number }).offset !== f.offset) violation(`decodeBody error offset ${(e as { offset?: number }).offset} is not the frame's ${f.offset}`);
        continue;
      }
      const encoded = encodeFrame(m);
      const d = new FrameDecoder(FRAME_CAP.inventory);
      d.push(encoded);
      const body = d.next();
      if (!body) violation(`encodeFrame(${m.type}) does not produce a whole frame`);
      let again: Message;
      try {
        again = decodeBody(body.body);
      } catch (e) {
        violation(`re-encoded ${m.type} frame does not decode: ${(e as Error).message}`, e);
      }
      expectSame(`decode(x) and decode(encode(decode(x))) for ${m.type}`, showMessage(m), showMessage(again));
      const lossy = ignoredBits(m, f.body);
      if (!lossy) expectSame(`frame body and encode(decode(body)) for ${m.type}`, Buffer.from(f.body).toString('hex'), Buffer.from(body.body).toString('hex'));
    }
  }
}
