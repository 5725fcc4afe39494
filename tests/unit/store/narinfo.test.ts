import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type NarInfo, parseNarInfo, printNarInfo } from '../../../src/store/index.ts';
import { narInfo } from '../../support/arbitraries.ts';
import { depNarinfo, exampleNarinfo } from '../../support/narinfo-fixtures.ts';

describe('parseNarInfo() and printNarInfo() on narinfos `nix copy` wrote', () => {
  for (const [name, text] of [['an input-addressed path', exampleNarinfo], ['a content-addressed path', depNarinfo]] as const) {
    it(`re-prints ${name} byte for byte`, () => {
      assert.equal(printNarInfo(parseNarInfo(text)), text);
      assert.equal(printNarInfo(parseNarInfo(new Uint8Array(Buffer.from(text)))), text);
    });
  }

  it('reads every field', () => {
    const i = parseNarInfo(exampleNarinfo);
    assert.equal(i.path.baseName, 'f9bimffc00zxvywpsghnr2w6ibrrimsc-example-1.0');
    assert.equal(i.url, 'nar/16xyj9jm776zzl58fazjn0syng2ksfdjackzh9v4s08dn3m9mq1a.nar.xz');
    assert.equal(i.compression, 'xz');
    assert.equal(i.fileHash?.toString('nix32'), 'sha256:16xyj9jm776zzl58fazjn0syng2ksfdjackzh9v4s08dn3m9mq1a');
    assert.equal(i.fileSize, 228);
    assert.equal(i.narHash.toString('nix32'), 'sha256:010w72s7hn26k23bcz2zh0ghfybm0zr2ksa5qqpg9vsglabghbrl');
    assert.equal(i.narSize, 240);
    assert.deepEqual(i.references.map((r) => r.baseName), ['f9bimffc00zxvywpsghnr2w6ibrrimsc-example-1.0', 'kj70h0d215p6js7as927nisxg6wrshb1-dep.txt']);
    assert.equal(i.deriver?.baseName, 'j9jjbdsf66wchqgchd565mncv7w9qwqw-example-1.0.drv');
    assert.equal(i.sigs.length, 1);
    assert.equal(i.ca, undefined);
    const d = parseNarInfo(depNarinfo);
    assert.equal(d.ca?.method, 'nar');
    assert.equal(d.references.length, 0);
  });
});

const base = 'StorePath: /nix/store/kj70h0d215p6js7as927nisxg6wrshb1-dep.txt\nURL: nar/x.nar\nNarHash: sha256:033xlnzwn1sa5b32ay54mnav6hvcdq6v8g3nsf5h12gnrzd6frqz\nNarSize: 128\n';

describe('parseNarInfo()', () => {
  it('takes a missing or empty Compression as bzip2, as Nix does', () => {
    assert.equal(parseNarInfo(base).compression, 'bzip2');
    assert.equal(parseNarInfo(base + 'Compression: \n').compression, 'bzip2');
    assert.match(printNarInfo(parseNarInfo(base)), /^Compression: bzip2$/m);
  });

  it('reads NarHash in SRI and base16 and prints it as sha256:nix32', () => {
    for (const h of ['sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM=', 'sha256:1c37d01af40be2e80691de3cc3df44377a699afbb17c68f080964b2fd071fc13']) {
      const i = parseNarInfo(base.replace(/NarHash: .*/, `NarHash: ${h}`));
      assert.equal(i.narHash.toString('nix32'), 'sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw');
    }
  });

  it('keeps unknown fields and System, and prints them back', () => {
    const text = base + 'System: x86_64-linux\nFoo: bar baz\nZap: \n';
    const i = parseNarInfo(text);
    assert.equal(i.system, 'x86_64-linux');
    assert.deepEqual(i.extra, [['Foo', 'bar baz'], ['Zap', '']]);
    assert.equal(
      printNarInfo(i),
      'StorePath: /nix/store/kj70h0d215p6js7as927nisxg6wrshb1-dep.txt\nURL: nar/x.nar\nCompression: bzip2\n' +
        'NarHash: sha256:033xlnzwn1sa5b32ay54mnav6hvcdq6v8g3nsf5h12gnrzd6frqz\nNarSize: 128\nReferences: \n' +
        'System: x86_64-linux\nFoo: bar baz\nZap: \n',
    );
  });

  it('reads unknown-deriver as no deriver and accepts several Sig lines', () => {
    const i = parseNarInfo(base + 'Deriver: unknown-deriver\nSig: b:xx\nSig: a:yy\n');
    assert.equal(i.deriver, undefined);
    assert.deepEqual([...i.sigs], ['b:xx', 'a:yy']);
    assert.match(printNarInfo(i), /Sig: a:yy\nSig: b:xx\n/);
  });

  const cases: { name: string; text: string; code: string; line: number | undefined; re: RegExp }[] = [
    { name: 'a last line without a newline', text: base + 'Deriver: unknown-deriver', code: 'E_NARINFO_SYNTAX', line: 5, re: /expecting '\\n' at line 5/ },
    { name: 'a line without a colon', text: base + 'garbage\n', code: 'E_NARINFO_SYNTAX', line: 5, re: /expecting ':'/ },
    { name: 'an empty line', text: base + '\n', code: 'E_NARINFO_SYNTAX', line: 5, re: /expecting ':'/ },
    { name: 'an empty field name', text: base + ': x\n', code: 'E_NARINFO_SYNTAX', line: 5, re: /empty field name/ },
    { name: 'a colon without a space', text: base + 'Deriver:x\n', code: 'E_NARINFO_SYNTAX', line: 5, re: /expecting ': '/ },
    { name: 'a duplicate StorePath', text: base + 'StorePath: /nix/store/kj70h0d215p6js7as927nisxg6wrshb1-dep.txt\n', code: 'E_NARINFO_DUPLICATE', line: 5, re: /extra StorePath/ },
    { name: 'a duplicate References', text: base + 'References: \nReferences: \n', code: 'E_NARINFO_DUPLICATE', line: 6, re: /extra References/ },
    { name: 'a duplicate CA', text: base + 'CA: fixed:r:sha256:033xlnzwn1sa5b32ay54mnav6hvcdq6v8g3nsf5h12gnrzd6frqz\nCA: fixed:r:sha256:033xlnzwn1sa5b32ay54mnav6hvcdq6v8g3nsf5h12gnrzd6frqz\n', code: 'E_NARINFO_DUPLICATE', line: 6, re: /extra CA/ },
    { name: 'a StorePath outside the store', text: base.replace('/nix/store/kj70', '/gnu/store/kj70'), code: 'E_NARINFO_STORE_PATH', line: 1, re: /bad StorePath: .*not in the Nix store/ },
    { name: 'a non-canonical StorePath', text: base.replace('/nix/store/kj70', '/nix/store//kj70'), code: 'E_NARINFO_STORE_PATH', line: 1, re: /bad StorePath/ },
    { name: 'a StorePath with a bad hash part', text: base.replace('kj70h0d', 'kj70e0d'), code: 'E_NARINFO_STORE_PATH', line: 1, re: /illegal base-32 character 'e'/ },
    { name: 'a bad NarHash', text: base.replace(/NarHash: .*/, 'NarHash: sha256:abc'), code: 'E_NARINFO_HASH', line: 3, re: /bad hash in NarHash/ },
    { name: 'a NarHash without an algorithm', text: base.replace(/NarHash: sha256:/, 'NarHash: '), code: 'E_NARINFO_HASH', line: 3, re: /does not include a type/ },
    { name: 'a bad FileHash', text: base + 'FileHash: md6:00\n', code: 'E_NARINFO_HASH', line: 5, re: /bad hash in FileHash/ },
    { name: 'a NarSize that is not a number', text: base.replace('NarSize: 128', 'NarSize: 12k'), code: 'E_NARINFO_NUMBER', line: 4, re: /invalid NarSize '12k'/ },
    { name: 'a negative FileSize', text: base + 'FileSize: -1\n', code: 'E_NARINFO_NUMBER', line: 5, re: /invalid FileSize/ },
    { name: 'a NarSize beyond 2^53', text: base.replace('NarSize: 128', 'NarSize: 9007199254740993'), code: 'E_NARINFO_NUMBER', line: 4, re: /invalid NarSize/ },
    { name: 'an unknown Compression', text: base + 'Compression: rar\n', code: 'E_NARINFO_COMPRESSION', line: 5, re: /invalid Compression 'rar'/ },
    { name: 'a bad reference', text: base + 'References: kj70h0d215p6js7as927nisxg6wrshb1-dep.txt /nix/store/x\n', code: 'E_NARINFO_STORE_PATH', line: 5, re: /bad store path in References/ },
    { name: 'a bad Deriver', text: base + 'Deriver: nope\n', code: 'E_NARINFO_STORE_PATH', line: 5, re: /bad store path in Deriver/ },
    { name: 'a bad CA', text: base + 'CA: fixed:r:sha999:00\n', code: 'E_NARINFO_CA', line: 5, re: /bad CA/ },
    { name: 'an empty Sig', text: base + 'Sig: \n', code: 'E_NARINFO_SIG', line: 5, re: /empty Sig/ },
    { name: 'a missing StorePath', text: base.replace(/StorePath: .*\n/, ''), code: 'E_NARINFO_MISSING', line: undefined, re: /StorePath missing$/ },
    { name: 'a missing URL', text: base.replace(/URL: .*\n/, ''), code: 'E_NARINFO_MISSING', line: undefined, re: /URL missing$/ },
    { name: 'an empty URL', text: base.replace(/URL: .*\n/, 'URL: \n'), code: 'E_NARINFO_MISSING', line: undefined, re: /URL missing$/ },
    { name: 'a missing NarHash', text: base.replace(/NarHash: .*\n/, ''), code: 'E_NARINFO_MISSING', line: undefined, re: /NarHash missing$/ },
    { name: 'a missing NarSize', text: base.replace(/NarSize: .*\n/, ''), code: 'E_NARINFO_MISSING', line: undefined, re: /NarSize missing or zero$/ },
    { name: 'a zero NarSize', text: base.replace('NarSize: 128', 'NarSize: 0'), code: 'E_NARINFO_MISSING', line: undefined, re: /NarSize missing or zero$/ },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}, naming the file and line`, () => {
      assert.throws(() => parseNarInfo(c.text, { whence: 'https://cache.example/x.narinfo' }), (e: unknown) => {
        const x = e as { name: string; code: string; line: number | undefined; whence: string; message: string };
        assert.equal(x.name, 'NarInfoFormatError');
        assert.equal(x.code, c.code, x.message);
        assert.equal(x.line, c.line, x.message);
        assert.equal(x.whence, 'https://cache.example/x.narinfo');
        assert.match(x.message, /^NAR info file 'https:\/\/cache.example\/x.narinfo' is corrupt: /);
        assert.match(x.message, c.re);
        return true;
      });
    });
  }

  it('rejects bytes that are not UTF-8', () => {
    assert.throws(() => parseNarInfo(new Uint8Array([...Buffer.from(base), 0x58, 0x3a, 0x20, 0xff, 0x0a])), { code: 'E_NARINFO_ENCODING' });
  });
});

describe('printNarInfo()', () => {
  it('round-trips any narinfo through parse', () => {
    fc.assert(
      fc.property(narInfo, (i: NarInfo) => {
        const text = printNarInfo(i);
        const back = parseNarInfo(text);
        assert.equal(printNarInfo(back), text);
        assert.equal(back.path.baseName, i.path.baseName);
        assert.equal(back.narSize, i.narSize);
        assert.equal(back.fileSize, i.fileSize);
        assert.equal(back.deriver?.baseName, i.deriver?.baseName);
        assert.deepEqual([...back.sigs].sort(), [...i.sigs].sort());
      }),
      { numRuns: 300 },
    );
  });
});
