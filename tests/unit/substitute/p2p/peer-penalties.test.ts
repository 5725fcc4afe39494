import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PeerError } from '../../../../src/substitute/p2p/errors.ts';
import { RejectedAnswer } from '../../../../src/substitute/p2p/errors.ts';
import { PeerPenalties, rejectionKind } from '../../../../src/substitute/p2p/peer-penalties.ts';
import { NarFormatError } from '../../../../src/store/nar/wire.ts';
import { StoreError } from '../../../../src/store/local/errors.ts';

const H1 = 'a'.repeat(32);
const H2 = 'b'.repeat(32);
const MIN = 60_000;

describe('PeerPenalties', () => {
  it('skips a peer for the path it lied about, and only that path, until the ban expires', () => {
    const p = new PeerPenalties({ threshold: 3, pathBanMs: 60 * MIN });
    const o = p.record('liar', H1, 'lie', 'hash mismatch', 0);
    assert.deepEqual(o, { kind: 'lie', lies: 1, cooledDown: false });
    assert.match(p.skipReason('liar', H1, 1000)!, /skipped for this path/);
    assert.equal(p.skipReason('liar', H2, 1000), undefined);
    assert.equal(p.skipReason('liar', H1, 60 * MIN), undefined);
  });

  it('skips a peer for every path for the cooldown once it reaches the threshold, then starts counting again', () => {
    const p = new PeerPenalties({ threshold: 3, cooldownMs: 10 * MIN });
    p.record('liar', 'c'.repeat(32), 'lie', 'one', 0);
    p.record('liar', 'd'.repeat(32), 'lie', 'two', 1);
    const o = p.record('liar', 'e'.repeat(32), 'lie', 'three', 2);
    assert.equal(o.cooledDown, true);
    assert.match(p.skipReason('liar', H2, 3)!, /cooling down for 600 s more after 3 rejected answers \(last: three\)/);
    assert.equal(p.skipReason('liar', H2, 2 + 10 * MIN), undefined);
    const [s] = p.status(3);
    assert.equal(s!.cooldownUntil, 2 + 10 * MIN);
    assert.equal(s!.lies, 0);
    assert.equal(s!.cooldowns, 1);
    assert.equal(s!.failures, 3);
    assert.equal(p.status(2 + 10 * MIN)[0]!.cooldownUntil, null);
  });

  it('counts faults and missing paths without ever skipping the peer', () => {
    const p = new PeerPenalties({ threshold: 2 });
    for (let i = 0; i < 10; i++) {
      p.record('flaky', H1, 'fault', 'timeout', i);
      p.record('flaky', H1, 'missing', 'does not have it', i);
    }
    assert.equal(p.skipReason('flaky', H1, 20), undefined);
    assert.equal(p.status(20)[0]!.failures, 20);
  });

  it('skips a peer for a path no trusted key signed, without counting it as a lie', () => {
    const p = new PeerPenalties({ threshold: 1 });
    assert.equal(p.record('stranger', H1, 'untrusted', 'not signed', 0).cooledDown, false);
    assert.ok(p.skipReason('stranger', H1, 1));
    assert.equal(p.skipReason('stranger', H2, 1), undefined);
  });

  it('orders providers by failures and leaves out the skipped ones with the reason', () => {
    const p = new PeerPenalties();
    p.record('flaky', H1, 'fault', 'timeout', 0);
    p.record('flaky', H1, 'fault', 'timeout', 0);
    p.record('liar', H1, 'lie', 'bad', 0);
    p.record('other', H2, 'fault', 'timeout', 0);
    const r = p.order(['flaky', 'liar', 'other', 'new'], H1, 1);
    assert.deepEqual(r.use, ['new', 'other', 'flaky']);
    assert.deepEqual(r.skipped.map((s) => s.peer), ['liar']);
  });

  it('forgets the least recently penalised peers beyond maxPeers and the oldest bans beyond maxPathsPerPeer', () => {
    const p = new PeerPenalties({ maxPeers: 2, maxPathsPerPeer: 2, threshold: 100 });
    p.record('a', H1, 'lie', 'x', 0);
    p.record('b', H1, 'lie', 'x', 0);
    p.record('c', H1, 'lie', 'x', 0);
    assert.deepEqual(p.status(1).map((s) => s.peerId), ['c', 'b']);
    for (const h of [H1, H2, 'f'.repeat(32)]) p.record('c', h, 'lie', 'x', 0);
    assert.equal(p.status(1)[0]!.bannedPaths, 2);
    assert.equal(p.skipReason('c', H1, 1), undefined);
  });
});

describe('rejectionKind()', () => {
  const cases: [string, unknown, string][] = [
    ['a NAR hash mismatch', new StoreError('E_NAR_HASH_MISMATCH', 'hash mismatch', { storePath: '/nix/store/x' }), 'lie'],
    ['a NAR longer than NarSize', new StoreError('E_NAR_SIZE_MISMATCH', 'size', { storePath: '/nix/store/x' }), 'lie'],
    ['a malformed NAR', new NarFormatError('E_NAR_NAME', 'bad name', 8), 'lie'],
    ['more bytes than announced', new PeerError('E_PEER_LIMIT', 'p', 'x', 'too much'), 'lie'],
    ['a malformed frame', new PeerError('E_PEER_PROTOCOL', 'p', 'x', 'bad'), 'lie'],
    ['a forged signature', new RejectedAnswer('E_PEER_FORGED', 'does not verify'), 'lie'],
    ['an untrusted signature', new RejectedAnswer('E_PEER_UNTRUSTED', 'not signed'), 'untrusted'],
    ['a claimed path the peer lacks', new RejectedAnswer('E_PEER_NOT_FOUND', 'no'), 'missing'],
    ['a "not found" error frame', new PeerError('E_PEER_NOT_FOUND', 'p', 'x', 'no'), 'missing'],
    ['a stall', new PeerError('E_PEER_TIMEOUT', 'p', 'x', 'stalled'), 'fault'],
    ['a stream cut short', new PeerError('E_PEER_TRUNCATED', 'p', 'x', 'ended'), 'fault'],
    ['a reference nobody provides', new RejectedAnswer('E_PEER_REFERENCE', 'no'), 'fault'],
    ['a full disk', Object.assign(new Error('ENOSPC'), { code: 'E_RESTORE_IO' }), 'fault'],
    ['an error without a code', new Error('?'), 'fault'],
  ];
  for (const [what, e, kind] of cases) it(`calls ${what} a ${kind}`, () => assert.equal(rejectionKind(e), kind));
});
