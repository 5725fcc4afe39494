import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Derivation,
  type DerivationOutput,
  derivationStorePath,
  fillInOutputPaths,
  hashDerivationModulo,
  instantiateDerivation,
  unparseDerivation,
} from '../../../../src/store/index.ts';
import { drvFixtures, fixtureLookup, readDrv, storeDir } from '../../../support/drv-fixtures.ts';

/** What the evaluator hands over: input-addressed outputs not computed yet, their env vars "". */
function blank(drv: Derivation, dropOutputVars = false): Derivation {
  const outputs = new Map<string, DerivationOutput>([...drv.outputs].map(([k, o]) => [k, o.type === 'inputAddressed' ? { type: 'deferred' } : o]));
  const env = new Map([...drv.env].flatMap(([k, v]): [string, string][] => (!drv.outputs.has(k) ? [[k, v]] : dropOutputVars ? [] : [[k, drv.outputs.get(k)!.type === 'inputAddressed' ? '' : v]])));
  return { ...drv, outputs, env };
}

/** The general functions, one print each: what instantiateDerivation must agree with. */
function slow(drv: Derivation, lookup: Parameters<typeof fillInOutputPaths>[1]) {
  const filled = fillInOutputPaths(drv, lookup, storeDir);
  const m = hashDerivationModulo(filled, lookup, { storeDir });
  return {
    text: unparseDerivation(filled, storeDir),
    path: derivationStorePath(filled, storeDir).baseName,
    modulo: { kind: m.kind, hashes: [...m.hashes].map(([k, h]) => [k, h.base16]).sort() },
    env: [...filled.env].sort(),
    outputs: [...filled.outputs.keys()].map((o) => [o, filled.env.get(o) ?? '']).sort(),
  };
}

function fast(drv: Derivation, lookup: Parameters<typeof fillInOutputPaths>[1]) {
  const r = instantiateDerivation(drv, lookup, storeDir);
  return {
    text: r.text,
    path: r.path.baseName,
    modulo: { kind: r.modulo.kind, hashes: [...r.modulo.hashes].map(([k, h]) => [k, h.base16]).sort() },
    env: [...r.drv().env].sort(),
    outputs: [...r.outputs].sort(),
  };
}

describe('instantiateDerivation()', () => {
  const { lookup } = fixtureLookup();

  for (const f of drvFixtures()) {
    it(`gives back the .drv Nix wrote for ${f.path.name}, its path and its modulo hash`, () => {
      const drv = readDrv(f.path);
      for (const dropOutputVars of [false, true]) {
        const r = instantiateDerivation(blank(drv, dropOutputVars), lookup, storeDir);
        assert.equal(r.text, Buffer.from(f.bytes).toString('latin1'));
        assert.equal(r.path.baseName, f.path.baseName);
        assert.equal(unparseDerivation(r.drv(), storeDir), r.text);
        assert.deepEqual([...r.outputs].sort(), [...drv.outputs.keys()].map((o) => [o, drv.env.get(o) ?? '']).sort());
        const want = hashDerivationModulo(drv, lookup, { storeDir });
        assert.equal(r.modulo.kind, want.kind);
        assert.deepEqual([...r.modulo.hashes].map(([k, h]) => [k, h.base16]), [...want.hashes].map(([k, h]) => [k, h.base16]));
      }
    });
  }

  // Strings with what the printer escapes, output names that sort before, between and after the env names.
  const byteString = fc.string({ unit: fc.constantFrom('a', 'z', '"', '\\', '\n', '\r', '\t', '$', '\xe9', '\xff', ' '), maxLength: 8 });
  const name = fc.string({ unit: fc.constantFrom('a', 'b', 'o', 'u', 't', '_', 'Z'), minLength: 1, maxLength: 4 });
  const inputs = drvFixtures().filter((f) => ['chain1', 'chain2', 'multi', 'twin', 'ca-floating', 'rec-sha1'].includes(f.path.name.slice(0, -4)));

  it('agrees with fillInOutputPaths, unparseDerivation and hashDerivationModulo on any input-addressed derivation', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
        fc.dictionary(name, byteString, { maxKeys: 6 }),
        fc.array(byteString, { maxLength: 3 }),
        fc.subarray(inputs),
        fc.boolean(),
        (outs, env, args, ins, dropOutputVars) => {
          const envMap = new Map(Object.entries(env));
          for (const o of outs) if (dropOutputVars) envMap.delete(o);
          else envMap.set(o, '');
          const drv: Derivation = {
            name: 'prop',
            outputs: new Map(outs.map((o): [string, DerivationOutput] => [o, { type: 'deferred' }])),
            inputDrvs: ins.map((f) => ({ path: f.path, outputs: [...readDrv(f.path).outputs.keys()] })),
            inputSrcs: [],
            system: 'x86_64-linux',
            builder: '/bin/sh',
            args,
            env: envMap,
          };
          const withVars: Derivation = { ...drv, env: new Map([...envMap, ...outs.map((o): [string, string] => [o, ''])]) };
          assert.deepEqual(fast(drv, lookup), slow(withVars, lookup));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a string that is not a byte string, naming it', () => {
    const drv: Derivation = {
      name: 'bad',
      outputs: new Map([['out', { type: 'deferred' }]]),
      inputDrvs: [],
      inputSrcs: [],
      system: 'x86_64-linux',
      builder: '/bin/sh',
      args: ['\u0100'],
      env: new Map([['out', '']]),
    };
    assert.throws(() => instantiateDerivation(drv, lookup, storeDir), /argument/);
  });
});
