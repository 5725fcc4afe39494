/**
 * Writes the seed corpora in `tests/fuzz/corpus/<target>/`: small valid inputs of each
 * format (and a few near misses), written for these targets. The files are committed;
 * run this again (`node tests/fuzz/support/make-seeds.ts`) after changing it. Seeds that
 * must be valid are checked against the parsers, so a stale seed fails loudly.
 *
 * Crash reproducers are not made here: they are saved by hand as
 * `tests/fuzz/corpus/<target>/regress-<what>` next to their unit test.
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../../src/config/parse.ts';
import { hashBytes } from '../../../src/hash/digest.ts';
import { parseDerivation } from '../../../src/store/drv/aterm-parse.ts';
import { parseNarBytes } from '../../../src/store/nar/reader.ts';
import { nullSink } from '../../../src/store/nar/sink.ts';
import { parseNarInfo } from '../../../src/store/narinfo.ts';
import { generateSecretKey, printPublicKey, printSecretKey, toPublicKey } from '../../../src/store/signature/keys.ts';
import { signDetached } from '../../../src/store/signature/signature.ts';
import { StoreDir } from '../../../src/store/store-dir.ts';
import { encodeFrame, type Message } from '../../../src/substitute/p2p/wire.ts';
import { build, dirNode, fileNode, MAGIC, symlinkPieces, u64 } from '../../support/nar.ts';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');
const DIR = new StoreDir('/nix/store');

// Hash parts written for these seeds (valid nix32, no meaning).
const H1 = '0a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r';
const H2 = 'z9y8x7w6v5s4r3q2p1n0m9l8k7j6i5h4';
const H3 = '11111111111111111111111111111111';

function seeds(target: string, files: Record<string, string | Uint8Array>, check?: (name: string, data: Uint8Array) => void): void {
  const dir = join(CORPUS, target);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.startsWith('seed-')) rmSync(join(dir, f));
  for (const [name, data] of Object.entries(files)) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (check && !name.includes('bad')) check(name, bytes);
    writeFileSync(join(dir, `seed-${name}`), bytes);
  }
}

// ---- NAR -------------------------------------------------------------------------------

const nars: Record<string, Uint8Array> = {
  'file.nar': build([MAGIC, ...fileNode('hello\n')]),
  'empty-file.nar': build([MAGIC, ...fileNode('')]),
  'exec.nar': build([MAGIC, ...fileNode('#!/bin/sh\necho hi\n', true)]),
  'symlink.nar': build([MAGIC, ...symlinkPieces('../lib/libfoo.so.1')]),
  'empty-dir.nar': build([MAGIC, ...dirNode([])]),
  'tree.nar': build([
    MAGIC,
    ...dirNode([
      ['bin', dirNode([['hello', fileNode('\x7fELF', true)], ['hi', symlinkPieces('hello')]])],
      ['lib', dirNode([['a.so', fileNode('12345678')], ['b', fileNode('123456789')]])],
      ['share', dirNode([['doc', dirNode([['README', fileNode('read me')]])]])],
      ['z\u00e9', fileNode('unicode name')],
    ]),
  ]),
  'bad-padding.nar': build([MAGIC, '(', 'type', 'regular', 'contents', u64(3), { raw: Uint8Array.from([97, 98, 99, 0, 0, 1, 0, 0]) }, ')']),
  'bad-unsorted.nar': build([MAGIC, ...dirNode([['b', fileNode('')], ['a', fileNode('')]])]),
};
const checkNar = (_: string, d: Uint8Array) => void parseNarBytes(d, nullSink);
seeds('nar', nars, checkNar);
seeds('nar-restore', nars, checkNar);

// ---- .drv ------------------------------------------------------------------------------

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
const list = (xs: readonly string[]) => `[${xs.join(',')}]`;
const sp = (h: string, name: string) => `/nix/store/${h}-${name}`;
function drv(outputs: string[][], inputDrvs: [string, string[]][], srcs: string[], args: string[], env: [string, string][]): string {
  return `Derive(${list(outputs.map((o) => `(${o.map(q).join(',')})`))},${list(inputDrvs.map(([p, os]) => `(${q(p)},${list(os.map(q))})`))},${list(srcs.map(q))},${q('x86_64-linux')},${q('/bin/sh')},${list(args.map(q))},${list(env.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `(${q(k)},${q(v)})`))})`;
}
const fodHash = hashBytes('sha256', 'fuzz seed');
const fodPath = DIR.printPath(DIR.makeFixedOutputPath('fuzz', 'flat', fodHash));
const fodRecPath = DIR.printPath(DIR.makeFixedOutputPath('fuzz', 'nar', fodHash));
seeds(
  'drv',
  {
    'simple.drv': drv([['out', sp(H1, 'fuzz'), '', '']], [], [], ['-c', 'echo hi > $out'], [['builder', '/bin/sh'], ['name', 'fuzz'], ['out', sp(H1, 'fuzz')], ['system', 'x86_64-linux']]),
    'inputs.drv': drv(
      [['dev', sp(H2, 'fuzz-dev'), '', ''], ['out', sp(H1, 'fuzz'), '', '']],
      [[sp(H3, 'dep.drv'), ['lib', 'out']]],
      [sp(H2, 'builder.sh')],
      ['-e', sp(H2, 'builder.sh'), 'quote " back\\slash\nnewline\ttab\r'],
      [['dev', sp(H2, 'fuzz-dev')], ['out', sp(H1, 'fuzz')], ['empty', ''], ['bytes', '\xff\xfe caf\xc3\xa9']],
    ),
    'fixed-flat.drv': drv([['out', fodPath, 'sha256', fodHash.base16]], [], [], [], [['out', fodPath], ['outputHash', fodHash.base16], ['urls', 'http://example.org/x']]),
    'fixed-rec.drv': drv([['out', fodRecPath, 'r:sha256', fodHash.base16]], [], [], [], [['out', fodRecPath]]),
    'floating.drv': drv([['out', '', 'r:sha256', '']], [], [], [], [['__contentAddressed', '1']]),
    'bad-trailing.drv': drv([['out', sp(H1, 'fuzz'), '', '']], [], [], [], []) + ' ',
  },
  (name, d) => void parseDerivation(d, { name: 'fuzz', whence: name }),
);

// ---- narinfo ---------------------------------------------------------------------------

const key = generateSecretKey('cache.example.org-1', new Uint8Array(32).fill(7));
const narHash = hashBytes('sha256', 'nar').toString('nix32', true);
const fingerprint = `1;${sp(H1, 'hello-2.12')};${narHash};1024;${sp(H2, 'glibc-2.37')},${sp(H1, 'hello-2.12')}`;
seeds(
  'narinfo',
  {
    'full.narinfo': [
      `StorePath: ${sp(H1, 'hello-2.12')}`,
      `URL: nar/${hashBytes('sha256', 'file').nix32}.nar.xz`,
      'Compression: xz',
      `FileHash: ${hashBytes('sha256', 'file').toString('nix32', true)}`,
      'FileSize: 512',
      `NarHash: ${narHash}`,
      'NarSize: 1024',
      `References: ${H2}-glibc-2.37 ${H1}-hello-2.12`,
      `Deriver: ${H3}-hello-2.12.drv`,
      'System: x86_64-linux',
      `Sig: ${signDetached(key, fingerprint)}`,
      '',
    ].join('\n'),
    'minimal.narinfo': `StorePath: ${sp(H3, 'x')}\nURL: nar/x.nar\nNarHash: ${narHash}\nNarSize: 8\n`,
    'ca.narinfo': `StorePath: ${sp(H2, 'src')}\nURL: nar/y.nar.zst\nCompression: zstd\nNarHash: ${narHash}\nNarSize: 96\nReferences: \nCA: fixed:r:${hashBytes('sha256', 'src').toString('nix32', true)}\nX-Unknown: kept as it is\n`,
    'bad-missing.narinfo': `StorePath: ${sp(H3, 'x')}\nURL: nar/x.nar\n`,
  },
  (name, d) => void parseNarInfo(d, { whence: name }),
);

// ---- keys and signatures ---------------------------------------------------------------

const key2 = generateSecretKey('other-2', new Uint8Array(32).fill(9));
seeds('keys', {
  'secret.key': printSecretKey(key),
  'public.key': printPublicKey(toPublicKey(key)) + '\n',
  'signature.txt': signDetached(key, fingerprint),
  'trusted-keys.txt': `${printPublicKey(toPublicKey(key))} ${printPublicKey(toPublicKey(key2))}\n`,
});

// ---- hashes, store paths, content addresses -------------------------------------------

const h = hashBytes('sha256', 'x');
seeds('hash-path', {
  'base16': h.toString('base16', true),
  'nix32': h.toString('nix32', false),
  'base64': h.toString('base64', true),
  'sri': h.sri,
  'md5': hashBytes('md5', 'x').toString('base16', true),
  'sha1': hashBytes('sha1', 'x').toString('nix32', true),
  'sha512': hashBytes('sha512', 'x').sri,
  'base-name': `${H1}-hello-2.12`,
  'abs-path': `/nix/store/./${H2}-glibc-2.37/`,
  'store-dir': '/gnu/store',
  'ca-text': `text:sha256:${h.nix32}`,
  'ca-fixed': `fixed:r:sha1:${hashBytes('sha1', 'x').nix32}`,
});

// ---- tix.conf --------------------------------------------------------------------------

seeds(
  'config',
  {
    'tix.conf': '# tix.conf\nsubstituters = https://cache.example.org http://10.0.0.1:8080\ntrusted-public-keys = a:AAAA b:BBBB\nmax-jobs = 4 # trailing comment\n\nrequire-sigs = true\n',
    'include.conf': 'include extra.conf\n!include /etc/tix/missing.conf\nsandbox = relaxed\r\n',
    'with-included.conf': 'include /etc/tix/extra.conf\n\0keep-outputs = true\n\t  extra-sandbox-paths = /bin/sh=/nix/store/x-busybox/bin/sh\n',
    'bad-syntax.conf': 'a=b\n',
  },
  (name, d) => void parseConfig(Buffer.from(d).toString('utf8').split('\0')[0]!, '/etc/tix/tix.conf', (p) => (p === '/etc/tix/extra.conf' ? 'x = 1\n' : undefined)),
);

// ---- peer frames -----------------------------------------------------------------------

const frames = (...ms: Message[]) => Buffer.concat(ms.map((m) => encodeFrame(m)));
seeds('p2p-wire', {
  'narinfo-exchange': frames(
    { type: 'narinfo-request', hashParts: [H1, H2] },
    { type: 'narinfo', text: `StorePath: ${sp(H1, 'hello')}\nURL: nar/x.nar\n` },
    { type: 'end', count: 1 },
  ),
  'error': frames({ type: 'error', code: 3, message: 'not found: caf\u00e9' }),
  'nar-stream': frames(
    { type: 'nar-request', hashPart: H3, acceptZstd: true },
    { type: 'nar-header', compression: 'zstd', narSize: 4096 },
    { type: 'nar-data', bytes: new Uint8Array([1, 2, 3, 4, 5]) },
    { type: 'nar-end', narSize: 4096 },
  ),
  'inventory': frames(
    { type: 'inventory-subscribe' },
    { type: 'inventory-filter', seq: 7, count: 3, hashes: 4, bits: 64, data: new Uint8Array(8).fill(0x81) },
    { type: 'inventory-delta', seq: 8, added: [H1], removed: [H2, H3] },
    { type: 'have-request', id: 42, hashParts: [H1, H2, H3] },
    { type: 'have-response', id: 42, have: [true, false, true] },
  ),
});

// ---- Nix source ------------------------------------------------------------------------

seeds('nix-parse', {
  'let.nix': 'let\n  x = 1;\n  inherit (builtins) map;\n  f = { a, b ? x + 1, ... }@args: a * b;\nin f { a = 2; }\n',
  'rec.nix': 'rec { a = 1; b = a + 1; c.d.e = "x${toString b}y"; "q r" = [ 1 2.5 -3 ]; }\n',
  'strings.nix': "''\n  indented ${\"str\"}\n    more ''$ ''' ''\\n\n''\n",
  'paths.nix': '[ ./a/b ../c /abs/d ~/home <nixpkgs> https://example.org/x ./p/${"q"} ]\n',
  'ops.nix': 'if !a && b || c -> d then x.y.z or (w // { v = 1; }) ++ [ ] else assert e == f; g != h\n',
  'with.nix': '/* c */ with import <nixpkgs> { }; # comment\nlet p = x: y: x - y; in p 3 2 |> (n: n * 2) ? attr\n',
});

console.log(`seeds written to ${CORPUS}`);
