import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseSwarmKey, printSwarmKey } from '../../../node/psk.ts';

const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const hex = Buffer.from(key).toString('hex');
const enc = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? new TextEncoder().encode(s) : s);

describe('parseSwarmKey()', () => {
  const good: { name: string; text: string | Uint8Array }[] = [
    { name: 'base16 with a trailing newline', text: `/key/swarm/psk/1.0.0/\n/base16/\n${hex}\n` },
    { name: 'base16 without a trailing newline', text: `/key/swarm/psk/1.0.0/\n/base16/\n${hex}` },
    { name: 'CRLF line ends', text: `/key/swarm/psk/1.0.0/\r\n/base16/\r\n${hex}\r\n` },
    { name: 'base64', text: `/key/swarm/psk/1.0.0/\n/base64/\n${Buffer.from(key).toString('base64')}\n` },
    { name: 'binary', text: Buffer.concat([Buffer.from('/key/swarm/psk/1.0.0/\n/bin/\n'), key]) },
  ];
  for (const c of good) it(`reads ${c.name}`, () => assert.deepEqual(parseSwarmKey(enc(c.text)), key));

  it('prints the base16 form it reads back', () => assert.deepEqual(parseSwarmKey(enc(printSwarmKey(key))), key));

  const bad: { name: string; text: string; line: number }[] = [
    { name: 'a wrong header', text: `/key/swarm/psk/2.0.0/\n/base16/\n${hex}\n`, line: 1 },
    { name: 'an unknown encoding', text: `/key/swarm/psk/1.0.0/\n/base58/\n${hex}\n`, line: 2 },
    { name: 'a non-hex key', text: `/key/swarm/psk/1.0.0/\n/base16/\n${'zz'.repeat(32)}\n`, line: 3 },
    { name: 'a short key', text: `/key/swarm/psk/1.0.0/\n/base16/\n${hex.slice(2)}\n`, line: 3 },
    { name: 'a long key', text: `/key/swarm/psk/1.0.0/\n/base16/\n${hex}00\n`, line: 3 },
    { name: 'a missing key line', text: '/key/swarm/psk/1.0.0/\n/base16/\n', line: 3 },
    { name: 'bad base64', text: '/key/swarm/psk/1.0.0/\n/base64/\n!!!!\n', line: 3 },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => assert.throws(() => parseSwarmKey(enc(c.text), 'k'), { code: 'E_PSK_FORMAT', line: c.line, whence: 'k' }));
  }
});
