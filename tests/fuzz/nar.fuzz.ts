/**
 * Fuzz target: the streaming NAR reader (src/store/nar/reader.ts).
 *
 * Contract: parsing returns the NAR size or throws a `NarFormatError` with an `E_NAR_...`
 * code and a byte offset inside the input. Properties: parsing the input in arbitrary
 * chunks reports the same events and the same error as parsing it whole; and the NAR
 * format being canonical (sorted entries, zero padding, exact lengths), writing an
 * accepted NAR's tree again gives back exactly the input bytes.
 */

import { NarParser } from '../../src/store/nar/reader.ts';
import { narBytes } from '../../src/store/nar/writer.ts';
import { expectSame, expectTixError, violation } from './support/contract.ts';
import { splitChunks } from './support/chunks.ts';
import { RecordingSink } from './support/nar-record.ts';

interface Outcome {
  sink: RecordingSink;
  error?: string;
}

function parse(chunks: readonly Uint8Array[], total: number): Outcome {
  const sink = new RecordingSink();
  const p = new NarParser(sink);
  try {
    for (const c of chunks) p.push(c);
    p.end();
    if (p.offset !== total) violation(`the parser accepted ${total} bytes but reports a NAR size of ${p.offset}`);
    return { sink };
  } catch (e) {
    expectTixError(e, { names: ['NarFormatError'], location: 'offset', extent: total });
    return { sink, error: `${e.code}@${(e as { offset?: number }).offset}` };
  }
}

export function fuzz(data: Buffer): void {
  const whole = parse([data], data.length);
  const split = parse(splitChunks(data, 40), data.length);
  expectSame('NAR events read at once and in chunks', JSON.stringify([whole.sink.events, whole.error]), JSON.stringify([split.sink.events, split.error]));
  if (whole.error) return;
  if (!whole.sink.root) violation('an accepted NAR produced no root object');
  const rewritten = narBytes(whole.sink.root);
  if (!Buffer.from(rewritten).equals(data)) {
    violation(`writing an accepted NAR's tree again gives different bytes (${rewritten.length} vs ${data.length}): first difference at ${Buffer.from(rewritten).findIndex((b, i) => b !== data[i])}`);
  }
}
