import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { benchPath } from '../../../bench/p2p/paths.ts';
import { OwnInventory } from '../../../node/own-inventory.ts';
import { PeerInventory } from '../../../node/peer-inventory.ts';
import { decodeNix32 } from '../../../src/hash/nix32.ts';
import { MemoryPathSource } from '../../../src/substitute/p2p/memory-source.ts';

const path = (i: number) => benchPath(0, i);
const mayHave = (inv: PeerInventory, i: number): boolean => inv.mayHave(path(i).hashPart, decodeNix32(path(i).hashPart, 20));

/** A neighbour's view fed with everything `own` sends. */
function mirror(own: OwnInventory): { inv: PeerInventory; sync: () => void } {
  const inv = new PeerInventory('peer', own.snapshot(), 0);
  return {
    inv,
    sync: () => {
      const u = own.flush();
      if (u?.type === 'filter') inv.reset(u.message, 1);
      else if (u) for (const m of u.messages) assert.ok(inv.apply(m, 1));
    },
  };
}

describe('OwnInventory and PeerInventory', () => {
  it('loads the valid paths of a source', async () => {
    const src = new MemoryPathSource();
    for (let i = 0; i < 10; i++) src.add({ storePath: path(i), narSize: 1, narinfo: 'x' });
    const own = new OwnInventory();
    await own.load(src);
    assert.equal(own.size, 10);
    assert.equal(own.snapshot().count, 10);
  });

  it('carries additions and removals to a neighbour as deltas', () => {
    const own = new OwnInventory();
    own.add(path(1));
    const { inv, sync } = mirror(own);
    assert.ok(mayHave(inv, 1));
    own.add(path(2));
    own.remove(path(1).hashPart);
    sync();
    assert.ok(mayHave(inv, 2));
    assert.ok(!mayHave(inv, 1));
    own.add(path(1));
    sync();
    assert.ok(mayHave(inv, 1), 'a path added back is found again');
  });

  it('sends a fresh filter once removals make the old one stale', () => {
    const own = new OwnInventory();
    for (let i = 0; i < 100; i++) own.add(path(i));
    const { inv, sync } = mirror(own);
    for (let i = 0; i < 40; i++) own.remove(path(i).hashPart);
    const u = own.flush();
    assert.equal(u?.type, 'filter');
    if (u?.type === 'filter') {
      assert.equal(u.message.count, 60);
      inv.reset(u.message, 2);
    }
    sync();
    for (let i = 40; i < 100; i++) assert.ok(mayHave(inv, i));
    assert.equal(inv.count, 60);
  });

  it('rebuilds the filter when the inventory outgrows it', () => {
    const own = new OwnInventory();
    own.snapshot();
    for (let i = 0; i < 2000; i++) own.add(path(i));
    const u = own.flush();
    assert.equal(u?.type, 'filter');
    if (u?.type === 'filter') assert.ok(u.message.bits >= 2000 * 16);
  });

  it('refuses a delta whose sequence number goes backwards', () => {
    const own = new OwnInventory();
    const inv = new PeerInventory('peer', own.snapshot(), 0);
    own.add(path(1));
    const u = own.flush();
    assert.equal(u?.type, 'delta');
    if (u?.type === 'delta') {
      assert.ok(inv.apply(u.messages[0]!, 1));
      assert.ok(!inv.apply(u.messages[0]!, 2));
    }
  });
});
