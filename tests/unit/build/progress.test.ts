import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { describePlan, formatProgress } from '../../../cli/build-progress.ts';
import { StorePath } from '../../../src/store/index.ts';

const A = new StorePath('00000000000000000000000000000000-a.drv');
const B = new StorePath('11111111111111111111111111111111-b');

describe('describePlan()', () => {
  it("prints Nix's lists of what will be built and fetched", () => {
    assert.equal(
      describePlan({ toBuild: [A], toSubstitute: [B, B], downloadSize: 1024 * 1024, narSize: 3 * 1024 * 1024 }, '/nix/store'),
      'this derivation will be built:\n  /nix/store/00000000000000000000000000000000-a.drv\n' +
        'these 2 paths will be fetched (1.00 MiB download, 3.00 MiB unpacked):\n' +
        '  /nix/store/11111111111111111111111111111111-b\n  /nix/store/11111111111111111111111111111111-b\n',
    );
    assert.equal(describePlan({ toBuild: [], toSubstitute: [], downloadSize: 0, narSize: 0 }, '/nix/store'), '');
  });
});

describe('formatProgress()', () => {
  it('shows built/total, running and substituted, and failures when there are some', () => {
    assert.equal(formatProgress({ built: 3, building: 2, substituted: 1, substituting: 0, failed: 0, total: 40 }), '[3/40 built, 2 running, 1 substituted]');
    assert.equal(formatProgress({ built: 0, building: 0, substituted: 0, substituting: 1, failed: 2, total: 3 }), '[0/3 built, 1 running, 0 substituted, 2 failed]');
  });
});
