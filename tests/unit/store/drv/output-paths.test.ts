import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hashBytes } from '../../../../src/hash/digest.ts';
import {
  checkInvariants,
  computeOutputPaths,
  type Derivation,
  type DerivationOutput,
  derivationOutputPaths,
  derivationType,
  fillInOutputPaths,
  hashDerivationModulo,
  hashPlaceholder,
  makeDrvHashLookup,
  printDerivation,
  StorePath,
} from '../../../../src/store/index.ts';
import { drvFixture, drvFixtures, fixtureLookup, readDrv, storeDir } from '../../../support/drv-fixtures.ts';

/** What the evaluator hands over: outputs not yet computed, no env vars for them. */
function blank(drv: Derivation): Derivation {
  const outputs = new Map<string, DerivationOutput>([...drv.outputs].map(([k, o]) => [k, o.type === 'inputAddressed' ? { type: 'deferred' } : o]));
  return { ...drv, outputs, env: new Map([...drv.env].filter(([k]) => !drv.outputs.has(k))) };
}

describe('computeOutputPaths() on .drv files Nix wrote', () => {
  const { lookup } = fixtureLookup();
  for (const f of drvFixtures()) {
    it(`reproduces the output paths of ${f.path.name}`, () => {
      const drv = readDrv(f.path);
      assert.deepEqual(
        [...computeOutputPaths(drv, lookup, storeDir)].map(([k, p]) => [k, p?.baseName]),
        [...derivationOutputPaths(drv, storeDir)].map(([k, p]) => [k, p?.baseName]),
      );
      checkInvariants(drv, lookup, storeDir);
    });
  }
});

describe('fillInOutputPaths()', () => {
  const { lookup } = fixtureLookup();
  for (const name of ['multi', 'odd', 'chain3', 'top', 'rec-sha1', 'structured', 'ca-floating', 'depends-on-ca', 'impure']) {
    it(`turns the evaluator's form of ${name} into the .drv Nix wrote`, () => {
      const f = drvFixture(name);
      assert.deepEqual(printDerivation(fillInOutputPaths(blank(readDrv(f.path)), lookup, storeDir), storeDir), f.bytes);
    });
  }
});

describe('hashDerivationModulo()', () => {
  const { lookup } = fixtureLookup();

  it('hashes a fixed-output derivation by what it produces only', () => {
    const drv = readDrv(drvFixture('rec-sha256').path);
    const o = drv.outputs.get('out');
    assert.ok(o?.type === 'caFixed');
    const out = storeDir.printPath(derivationOutputPaths(drv, storeDir).get('out')!);
    const expected = hashBytes('sha256', `fixed:out:r:sha256:${o.hash.base16}:${out}`);
    const h = hashDerivationModulo(drv, lookup, { storeDir });
    assert.equal(h.kind, 'regular');
    assert.equal(h.hashes.get('out')?.base16, expected.base16);
  });

  it('gives fixed outputs with the same path the same hash whatever their builder', () => {
    const twins = drvFixtures().filter((f) => f.path.name === 'twin.drv');
    assert.equal(twins.length, 2);
    const [a, b] = twins.map((t) => hashDerivationModulo(readDrv(t.path), lookup, { storeDir }).hashes.get('out')!.base16);
    assert.equal(a, b);
  });

  it('gives every output of an input-addressed derivation the same hash', () => {
    const h = hashDerivationModulo(readDrv(drvFixture('multi').path), lookup, { storeDir });
    assert.equal(new Set([...h.hashes.values()].map((x) => x.base16)).size, 1);
    assert.equal(h.hashes.size, 5);
  });

  it('is deferred for a derivation that depends on a floating content-addressed one', () => {
    for (const name of ['depends-on-ca', 'experimental', 'ca-floating']) {
      assert.equal(hashDerivationModulo(readDrv(drvFixture(name).path), lookup, { storeDir }).kind, 'deferred', name);
    }
  });

  it('changes when outputs are masked', () => {
    const drv = readDrv(drvFixture('bottom').path);
    const plain = hashDerivationModulo(drv, lookup, { storeDir }).hashes.get('out')!.base16;
    const masked = hashDerivationModulo(drv, lookup, { storeDir, maskOutputs: true }).hashes.get('out')!.base16;
    assert.notEqual(plain, masked);
  });

  it('reports an input output that the input does not have', () => {
    const drv = readDrv(drvFixture('chain2').path);
    const bad = { ...drv, inputDrvs: [{ path: drv.inputDrvs[0]!.path, outputs: ['nope'] }] };
    assert.throws(() => hashDerivationModulo(bad, lookup, { storeDir }), { code: 'E_DRV_INPUT' });
  });
});

describe('makeDrvHashLookup()', () => {
  it('reads each derivation once across calls', () => {
    const { lookup, reads } = fixtureLookup();
    lookup(drvFixture('top').path);
    lookup(drvFixture('left').path);
    lookup(drvFixture('top').path);
    assert.ok(reads.size > 3);
    assert.deepEqual([...reads.values()].filter((n) => n !== 1), []);
  });

  it('walks a long chain without deep recursion', () => {
    const n = 10000;
    const path = (i: number) => new StorePath(`${hashBytes('sha256', String(i)).nix32.slice(0, 32)}-c${i}.drv`);
    const drvOf = (i: number): Derivation => ({
      name: `c${i}`,
      outputs: new Map([['out', { type: 'deferred' }]]),
      inputDrvs: i === 0 ? [] : [{ path: path(i - 1), outputs: ['out'] }],
      inputSrcs: [],
      system: 's',
      builder: 'b',
      args: [],
      env: new Map(),
    });
    const index = new Map(Array.from({ length: n }, (_, i) => [path(i).baseName, i]));
    const lookup = makeDrvHashLookup((p) => drvOf(index.get(p.baseName)!), storeDir);
    assert.equal(lookup(path(n - 1)).kind, 'regular');
  });

  it('rejects a derivation graph with a cycle', () => {
    const a = new StorePath('00000000000000000000000000000000-a.drv');
    const b = new StorePath('11111111111111111111111111111111-b.drv');
    const drvOf = (self: StorePath, dep: StorePath): Derivation => ({
      name: self.name.slice(0, -4), outputs: new Map([['out', { type: 'deferred' }]]), inputDrvs: [{ path: dep, outputs: ['out'] }],
      inputSrcs: [], system: 's', builder: 'b', args: [], env: new Map(),
    });
    const lookup = makeDrvHashLookup((p) => (p.equals(a) ? drvOf(a, b) : drvOf(b, a)), storeDir);
    assert.throws(() => lookup(a), { code: 'E_DRV_CYCLE' });
  });
});

describe('checkInvariants()', () => {
  const { lookup } = fixtureLookup();
  const drv = readDrv(drvFixture('chain2').path);
  const out = (drv.outputs.get('out') as { path: StorePath }).path;
  const other = new StorePath(`${'1'.repeat(32)}-chain2`);
  const dropOut = (d: Derivation): Derivation => ({ ...d, env: new Map([...d.env].filter(([k]) => k !== 'out')) });
  const cases = [
    { name: 'an output path that is not the computed one', drv: { ...drv, outputs: new Map([['out', { type: 'inputAddressed' as const, path: other }]]) }, re: /derivation has incorrect output '\/nix\/store\/1{32}-chain2', should be '\/nix\/store\/.*-chain2'/ },
    { name: 'an env var that does not hold the output path', drv: { ...drv, env: new Map([...drv.env, ['out', '/nix/store/x']]) }, re: /incorrect environment variable 'out', should be '.*' but is actually '\/nix\/store\/x'/ },
    // Dropping the env var of an input-addressed output changes its path, so use a fixed output.
    { name: 'a missing env var for an output', drv: dropOut(readDrv(drvFixture('rec-sha256').path)), re: /missing environment variable 'out', should be '\/nix\/store\/.*' but is not present/ },
  ];
  for (const c of cases) it(`rejects ${c.name}`, () => assert.throws(() => checkInvariants(c.drv, lookup, storeDir), c.re));
  it('accepts the derivation as Nix wrote it', () => {
    checkInvariants(drv, lookup, storeDir);
    assert.ok(out);
  });
});

describe('derivationType()', () => {
  const base = readDrv(drvFixture('bottom').path);
  const fixed = readDrv(drvFixture('flat-sha1').path).outputs.get('out')!;
  const cases: { name: string; outputs: [string, DerivationOutput][]; re: RegExp }[] = [
    { name: 'no outputs', outputs: [], re: /must have at least one output/ },
    { name: 'mixed output types', outputs: [['out', fixed], ['dev', { type: 'deferred' }]], re: /can't mix derivation output types/ },
    { name: 'two fixed outputs', outputs: [['out', fixed], ['dev', fixed]], re: /only one fixed output is allowed/ },
    { name: 'a fixed output not named out', outputs: [['bin', fixed]], re: /single fixed output must be named "out"/ },
    { name: 'floating outputs with different algorithms', outputs: [['out', { type: 'caFloating', method: 'nar', hashAlgo: 'sha256' }], ['dev', { type: 'caFloating', method: 'nar', hashAlgo: 'sha1' }]], re: /same hash algorithm/ },
  ];
  for (const c of cases) it(`rejects ${c.name}`, () => assert.throws(() => derivationType({ ...base, outputs: new Map(c.outputs) }), c.re));
});

describe('hashPlaceholder()', () => {
  it('is the one Nix puts in env vars of floating outputs', () => {
    // From ca-floating.drv as Nix 2.8 wrote it.
    const drv = readDrv(drvFixture('ca-floating').path);
    assert.equal(hashPlaceholder('out'), drv.env.get('out'));
    assert.equal(hashPlaceholder('dev'), drv.env.get('dev'));
    assert.equal(hashPlaceholder('out'), '/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9');
  });
});
