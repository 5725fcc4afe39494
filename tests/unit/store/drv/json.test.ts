import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { derivationsToJson, derivationToJson } from '../../../../src/store/index.ts';
import { type Json, printJson } from '../../../../src/util/json-writer.ts';
import { drvFixture, readDrv } from '../../../support/drv-fixtures.ts';

/** JSON text → plain value, to compare with literals. */
const plain = (j: Json): unknown => JSON.parse(printJson(j));
const keys = (text: string) => [...text.matchAll(/"([^"]*)":/g)].map((m) => m[1]);

describe('derivationToJson()', () => {
  it('gives the v4 form of an input-addressed derivation with inputs', () => {
    const f = drvFixture('chain2');
    const drv = readDrv(f.path);
    const chain1 = drv.inputDrvs[0]!.path.baseName;
    const out = (drv.outputs.get('out') as { path: { baseName: string } }).path.baseName;
    assert.deepEqual(plain(derivationToJson(drv)), {
      args: drv.args,
      builder: '/bin/sh',
      env: Object.fromEntries(drv.env),
      inputs: { drvs: { [chain1]: { dynamicOutputs: {}, outputs: ['dev', 'out'] } }, srcs: [] },
      name: 'chain2',
      outputs: { out: { path: out } },
      system: 'x86_64-linux',
      version: 4,
    });
  });

  it('prints fixed, floating, deferred and impure outputs as upstream Nix does', () => {
    const out = (name: string) => plain(derivationToJson(readDrv(drvFixture(name).path)).get('outputs')!);
    assert.deepEqual(out('flat-sha256'), { out: { hash: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', method: 'flat' } });
    assert.deepEqual(out('rec-sha1'), { out: { hash: 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=', method: 'nar' } });
    assert.deepEqual(out('ca-floating'), { dev: { hashAlgo: 'sha256', method: 'nar' }, out: { hashAlgo: 'sha256', method: 'nar' } });
    assert.deepEqual(out('depends-on-ca'), { out: {} });
    assert.deepEqual(out('impure'), { out: { hashAlgo: 'sha256', impure: true, method: 'nar' } });
  });

  it('sorts keys by bytes, integer-like ones included', () => {
    const text = printJson(derivationToJson(readDrv(drvFixture('odd').path)).get('env')!);
    const ks = keys(text);
    assert.deepEqual(ks, [...ks].sort());
    assert.ok(ks.indexOf('10') < ks.indexOf('9'));
  });

  it('decodes env values as UTF-8, replacing bytes that are not', () => {
    const env = plain(derivationToJson(readDrv(drvFixture('odd').path)).get('env')!) as Record<string, string>;
    assert.equal(env.unicode, 'é ü 中文 🦀');
    assert.equal(env.control, 'bell\x07-esc\x1b');
    assert.equal(env.notUtf8, '\ufffd\ufffd');
  });

  it('moves structured attrs out of env, keys sorted', () => {
    const j = derivationToJson(readDrv(drvFixture('structured').path));
    const env = plain(j.get('env')!) as Record<string, string>;
    assert.equal(env.__json, undefined);
    const sa = printJson(j.get('structuredAttrs')!);
    assert.equal(sa, '{"10":"a","9":"b","builder":"/bin/sh","l":[1,"x",true,null],"n":1,"name":"structured","s":"x\\"y","system":"x86_64-linux"}');
  });
});

describe('derivationsToJson()', () => {
  it('wraps derivations by base name with the format version', () => {
    const f = drvFixture('bottom');
    const doc = plain(derivationsToJson([[f.path.baseName, readDrv(f.path)]])) as { version: number; derivations: Record<string, unknown> };
    assert.equal(doc.version, 4);
    assert.deepEqual(Object.keys(doc.derivations), [f.path.baseName]);
  });
});

describe('printJson()', () => {
  const v: Json = new Map<string, Json>([['b', [1, 'x', new Map()]], ['a', new Map([['9', null]])], ['c', []]]);
  it('prints compactly in the given key order', () => {
    assert.equal(printJson(v), '{"b":[1,"x",{}],"a":{"9":null},"c":[]}');
  });
  it('pretty-prints like nlohmann dump(2)', () => {
    assert.equal(printJson(v, 2), '{\n  "b": [\n    1,\n    "x",\n    {}\n  ],\n  "a": {\n    "9": null\n  },\n  "c": []\n}');
  });
});
