import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Derivation, derivationStorePath, parseDerivation, parseDerivationText, printDerivation, unparseDerivation } from '../../../../src/store/index.ts';
import { byteStringToUtf8 } from '../../../../src/util/byte-string.ts';
import { derivation } from '../../../support/arbitraries.ts';
import { drvFixture, drvFixtures, readDrv, storeDir } from '../../../support/drv-fixtures.ts';

const nameOf = (f: { path: { name: string } }) => f.path.name.slice(0, -4);

describe('parseDerivation() and printDerivation() on .drv files Nix wrote', () => {
  for (const f of drvFixtures()) {
    it(`re-prints ${f.path.baseName} byte for byte and finds its store path`, () => {
      const drv = parseDerivation(f.bytes, { name: nameOf(f), storeDir });
      assert.deepEqual(printDerivation(drv, storeDir), f.bytes);
      assert.equal(derivationStorePath(drv, storeDir).baseName, f.path.baseName);
    });
  }
});

describe('parseDerivation()', () => {
  it('decodes escapes and keeps non-UTF-8 bytes of env values', () => {
    const drv = readDrv(drvFixture('odd').path);
    assert.equal(drv.env.get('quotes'), 'say "hi"');
    assert.equal(drv.env.get('backslashes'), 'a\\b\\\\c\\');
    assert.equal(drv.env.get('newlines'), 'line1\nline2\n\n');
    assert.equal(drv.env.get('cr'), 'a\r\nb');
    assert.equal(drv.env.get('control'), 'bell\x07-esc\x1b');
    assert.equal(byteStringToUtf8(drv.env.get('unicode')!), 'é ü 中文 🦀');
    // substring 1 1 "é" + substring 0 1 "é": the two bytes of é, swapped.
    assert.equal(drv.env.get('notUtf8'), '\xa9\xc3');
    assert.deepEqual(drv.args, ['quote"', 'back\\slash', 'nl\nnl', 'tab\tx', 'cr\rx', 'dollar$', '']);
  });

  it('reads every kind of output', () => {
    const kinds = (name: string) => [...readDrv(drvFixture(name).path).outputs].map(([k, o]) => `${k}:${o.type}:${'method' in o ? o.method : ''}`);
    assert.deepEqual(kinds('multi'), ['a-b:inputAddressed:', 'bin:inputAddressed:', 'dev:inputAddressed:', 'lib:inputAddressed:', 'out:inputAddressed:']);
    assert.deepEqual(kinds('flat-sha1'), ['out:caFixed:flat']);
    assert.deepEqual(kinds('rec-sha512'), ['out:caFixed:nar']);
    assert.deepEqual(kinds('ca-floating'), ['dev:caFloating:nar', 'out:caFloating:nar']);
    assert.deepEqual(kinds('depends-on-ca'), ['out:deferred:']);
    assert.deepEqual(kinds('impure'), ['out:impure:nar']);
    const fixed = readDrv(drvFixture('flat-sha256').path).outputs.get('out');
    assert.ok(fixed?.type === 'caFixed');
    assert.equal(fixed.hash.sri, 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('reads input derivations with their outputs and input sources', () => {
    const chain2 = readDrv(drvFixture('chain2').path);
    assert.deepEqual(chain2.inputDrvs.map((i) => [i.path.name, i.outputs]), [['chain1.drv', ['dev', 'out']]]);
    const withSrcs = readDrv(drvFixture('with-srcs').path);
    assert.deepEqual(withSrcs.inputSrcs.map((p) => p.name).sort(), ['derivations.nix', 'ref.txt']);
  });
});

// A small valid derivation to break in one place at a time.
const FIXED = '/nix/store/23qvwckf0gjik4ws6ybmq4hjk0z6c3zc-f';
const good =
  `Derive([("out","${FIXED}","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],` +
  '[("/nix/store/gyzap09ichppddyckcwafgzw7kfldksm-chain1.drv",["dev","out"])],["/nix/store/jmh8qkai8c91707adhp6zzhn7hg8wd56-src"],' +
  '"x86_64-linux","/bin/sh",["-c","a\\nb"],[("a","1"),("b","2")])';

describe('parseDerivation() on malformed input', () => {
  it('accepts the unbroken template', () => {
    const drv = parseDerivationText(good, { name: 'f', storeDir });
    assert.equal(unparseDerivation(drv, storeDir), good);
  });

  const at = (text: string, marker: string) => {
    const i = text.indexOf(marker);
    assert.ok(i >= 0, `marker ${marker} not in ${text}`);
    return i;
  };
  const replace = (from: string, to: string) => {
    assert.ok(good.includes(from), `${from} not in template`);
    return good.replace(from, to);
  };
  const cases: { name: string; text: string; code: string; offset: (t: string) => number }[] = [
    { name: 'empty input', text: '', code: 'E_DRV_SYNTAX', offset: () => 0 },
    { name: 'a wrong keyword', text: good.replace('Derive(', 'Derivx('), code: 'E_DRV_SYNTAX', offset: () => 0 },
    { name: 'the versioned (dynamic derivations) form', text: good.replace('Derive(', 'DrvWithVersion("xp-dyn-drv",'), code: 'E_DRV_VERSION', offset: () => 0 },
    { name: 'an unterminated string', text: good.slice(0, good.indexOf('"/bin/sh"') + 4), code: 'E_DRV_STRING', offset: (t) => at(t, '"/bi') },
    { name: 'a backslash at the end of input', text: good.slice(0, good.indexOf('"/bin/sh"') + 2) + '\\', code: 'E_DRV_STRING', offset: (t) => at(t, '"/\\') },
    { name: 'list items without a comma', text: replace('["-c","a', '["-c" "a'), code: 'E_DRV_SYNTAX', offset: (t) => at(t, ' "a') },
    { name: 'a leading comma in a list', text: replace('["-c"', '[,"-c"'), code: 'E_DRV_SYNTAX', offset: (t) => at(t, ',"-c"') },
    { name: 'a missing final parenthesis', text: good.slice(0, -1), code: 'E_DRV_SYNTAX', offset: (t) => t.length },
    { name: 'data after the end', text: good + '\n', code: 'E_DRV_TRAILING', offset: () => good.length },
    { name: 'a duplicate output', text: replace('[("out",', '[("x","","",""),("x",'), code: 'E_DRV_DUPLICATE', offset: (t) => at(t, '("x",') + 15 },
    { name: 'a duplicate env variable', text: replace('("b","2")', '("a","2")'), code: 'E_DRV_DUPLICATE', offset: (t) => at(t, '("a","2")') },
    { name: 'a duplicate input derivation', text: replace('["dev","out"])]', '["dev","out"]),("/nix/store/gyzap09ichppddyckcwafgzw7kfldksm-chain1.drv",["out"])]'), code: 'E_DRV_DUPLICATE', offset: (t) => at(t, '("/nix/store/gyzap09ichppddyckcwafgzw7kfldksm-chain1.drv",["out"])') },
    { name: 'a duplicate input source', text: replace('-src"]', '-src","/nix/store/jmh8qkai8c91707adhp6zzhn7hg8wd56-src"]'), code: 'E_DRV_DUPLICATE', offset: (t) => at(t, '"/nix/store/jmh8qkai8c91707adhp6zzhn7hg8wd56-src"]') },
    { name: 'a repeated output of an input derivation', text: replace('["dev","out"]', '["dev","dev"]'), code: 'E_DRV_DUPLICATE', offset: (t) => at(t, '"dev"]') },
    { name: 'an input derivation without outputs', text: replace('["dev","out"]', '[]'), code: 'E_DRV_INPUT', offset: (t) => at(t, '("/nix/store/gyzap') },
    { name: 'an input source outside the store', text: replace('/nix/store/jmh8qkai8c91707adhp6zzhn7hg8wd56-src', '/tmp/jmh8qkai8c91707adhp6zzhn7hg8wd56-src'), code: 'E_DRV_PATH', offset: (t) => at(t, '"/tmp/') },
    { name: 'a non-canonical store path', text: replace('/nix/store/jmh8qkai8c91707adhp6zzhn7hg8wd56-src', '/nix/store//jmh8qkai8c91707adhp6zzhn7hg8wd56-src'), code: 'E_DRV_PATH', offset: (t) => at(t, '"/nix/store//') },
    { name: 'a store path with an illegal name', text: replace('hg8wd56-src', 'hg8wd56-s~c'), code: 'E_DRV_PATH', offset: (t) => at(t, '"/nix/store/jmh8') },
    { name: 'an unknown hash algorithm', text: replace('"r:sha256"', '"r:sha3"'), code: 'E_DRV_HASH_ALGO', offset: (t) => at(t, '"r:sha3"') },
    { name: 'a hash of the wrong length', text: replace('"0000000000000000000000000000000000000000000000000000000000000000"', '"00"'), code: 'E_DRV_HASH', offset: (t) => at(t, '"00"') },
    { name: 'a fixed output whose path does not match its hash', text: replace(FIXED, FIXED.replace('23qv', '23qw')), code: 'E_DRV_OUTPUT', offset: (t) => at(t, '"/nix/store/23qw') },
    { name: 'a floating output with a path', text: replace('"r:sha256","0000000000000000000000000000000000000000000000000000000000000000"', '"r:sha256",""'), code: 'E_DRV_OUTPUT', offset: (t) => at(t, `"${FIXED}"`) },
    { name: 'an impure output with a path', text: replace('"r:sha256","0000000000000000000000000000000000000000000000000000000000000000"', '"r:sha256","impure"'), code: 'E_DRV_OUTPUT', offset: (t) => at(t, `"${FIXED}"`) },
    { name: 'a hash without an algorithm', text: replace('"r:sha256"', '""'), code: 'E_DRV_OUTPUT', offset: (t) => at(t, '"0000') },
    { name: 'git hashing', text: replace('"r:sha256"', '"git:sha1"'), code: 'E_DRV_OUTPUT', offset: (t) => at(t, '"git:sha1"') },
    { name: 'text hashing with sha1', text: replace('"r:sha256","0000000000000000000000000000000000000000000000000000000000000000"', '"text:sha1","0000000000000000000000000000000000000000"'), code: 'E_DRV_OUTPUT', offset: (t) => at(t, '"text:sha1"') },
  ];
  for (const c of cases) {
    it(`rejects ${c.name} with ${c.code} at its byte offset`, () => {
      assert.throws(
        () => parseDerivationText(c.text, { name: 'f', storeDir, whence: 'test.drv' }),
        (e: unknown) => {
          const x = e as { name: string; code: string; offset: number; whence: string };
          assert.equal(x.name, 'FormatError');
          assert.equal(x.code, c.code, (e as Error).message);
          assert.equal(x.offset, c.offset(c.text), (e as Error).message);
          assert.equal(x.whence, 'test.drv');
          return true;
        },
      );
    });
  }
});

describe('printDerivation()', () => {
  it('sorts outputs, inputs and env by bytes and merges duplicate inputs, as Nix\'s maps do', () => {
    const chain1 = drvFixture('chain1').path;
    const drv: Derivation = {
      name: 'x',
      outputs: new Map([['out', { type: 'deferred' }], ['dev', { type: 'deferred' }]]),
      inputDrvs: [{ path: chain1, outputs: ['out'] }, { path: chain1, outputs: ['dev', 'out'] }],
      inputSrcs: [],
      system: 's',
      builder: 'b',
      args: ['z', 'a'],
      env: new Map([['b', '1'], ['B', '2'], ['\xe9', '3'], ['a', '4']]),
    };
    assert.equal(
      unparseDerivation(drv, storeDir),
      `Derive([("dev","","",""),("out","","","")],[("/nix/store/${chain1.baseName}",["dev","out"])],[],"s","b",["z","a"],[("B","2"),("a","4"),("b","1"),("\xe9","3")])`,
    );
  });

  it('refuses strings that are not byte strings', () => {
    const drv = readDrv(drvFixture('bottom').path);
    assert.throws(() => printDerivation({ ...drv, builder: '/bin/\u{1F980}' }, storeDir), { code: 'E_NOT_BYTE_STRING' });
  });

  it('round-trips any derivation through parse', () => {
    fc.assert(
      fc.property(derivation, (drv) => {
        const text = unparseDerivation(drv, storeDir);
        const back = parseDerivationText(text, { name: drv.name, storeDir });
        assert.equal(unparseDerivation(back, storeDir), text);
        assert.deepEqual(new Map([...back.env].sort()), new Map([...drv.env].sort()));
        assert.deepEqual(back.args, drv.args);
        assert.equal(back.builder, drv.builder);
        assert.equal(back.outputs.size, drv.outputs.size);
        assert.deepEqual(printDerivation(back, storeDir), new Uint8Array(Buffer.from(text, 'latin1')));
      }),
      { numRuns: 300 },
    );
  });
});
