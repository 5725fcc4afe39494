/**
 * Formats benchmark: parse+print of .drv and .narinfo, trust checks and ed25519, side by
 * side with their anchors:
 * - signature verify vs Node's raw ed25519 verify (OpenSSL, the platform limit) and
 *   tweetnacl's verify;
 * - a closure of .drv files shown as JSON by tix vs `nix show-derivation -r` (Nix 2.8) on
 *   the same files, when Nix is installed.
 * Run: npm run bench:formats  (each figure is the best of 3 runs of ≥ 0.5 s; machine noise
 * matters, re-run before quoting figures).
 */

import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import {
  derivationsToJson,
  fingerprintPathInfo,
  generateSecretKey,
  keyPairFromSeed,
  parseDerivation,
  parseNarInfo,
  parsePublicKeys,
  printDerivation,
  printNarInfo,
  signPathInfo,
  StoreDir,
  StorePath,
  toPublicKey,
  verifyDetached,
  ed25519Sign,
} from '../../src/store/index.ts';
import { checkPathInfo } from '../../src/trust/index.ts';
import { printJson } from '../../src/util/json-writer.ts';
import { NIX_SKIP, NixSandbox } from '../../tests/support/nix.ts';
import { exampleNarinfo } from '../../tests/support/narinfo-fixtures.ts';

const storeDir = new StoreDir();

/** Operations per second of `fn` (best of 3 runs of at least `minMs`). */
function opsPerSec(fn: () => void, minMs = 500): number {
  let best = 0;
  for (let r = 0; r < 3; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < minMs) {
      for (let i = 0; i < 16; i++) fn();
      n += 16;
      t = performance.now();
    }
    best = Math.max(best, (n * 1000) / (t - t0));
  }
  return best;
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const rows: string[][] = [];
function row(what: string, ops: number, unit = 'ops/s', note = ''): void {
  rows.push([what, fmt(ops), unit, note]);
}

// --- A realistic .drv: a nixpkgs-like package with 40 inputs and a long env.
const H = (i: number) => String(i).padStart(32, '0').replace(/[eotu]/g, '0');
const bigDrvText =
  'Derive([("dev","/nix/store/' + H(1) + '-pkg-1.0-dev","",""),("out","/nix/store/' + H(2) + '-pkg-1.0","","")],[' +
  Array.from({ length: 40 }, (_, i) => `("/nix/store/${H(100 + i)}-dep${i}.drv",["out"])`).join(',') +
  '],["/nix/store/' + H(3) + '-default-builder.sh"],"x86_64-linux","/nix/store/' + H(4) + '-bash-5.2/bin/bash",["-e","/nix/store/' + H(3) + '-default-builder.sh"],[' +
  Array.from({ length: 40 }, (_, i) => `("var${i}","${'value with \\"quotes\\" and \\n newlines '.repeat(8)}")`).join(',') +
  `,("dev","/nix/store/${H(1)}-pkg-1.0-dev"),("out","/nix/store/${H(2)}-pkg-1.0")])`;
const bigDrv = new Uint8Array(Buffer.from(bigDrvText, 'latin1'));
const drvOps = opsPerSec(() => printDerivation(parseDerivation(bigDrv, { name: 'pkg-1.0', storeDir }), storeDir));
row(`.drv parse+print (${(bigDrv.length / 1024).toFixed(1)} KiB, 40 inputs)`, drvOps, 'files/s', `${fmt((drvOps * bigDrv.length) / 1e6)} MB/s`);
row('.drv parse only', opsPerSec(() => parseDerivation(bigDrv, { name: 'pkg-1.0', storeDir })), 'files/s');

// --- narinfo.
const narinfoBytes = new Uint8Array(Buffer.from(exampleNarinfo));
row('narinfo parse+print', opsPerSec(() => printNarInfo(parseNarInfo(narinfoBytes))), 'files/s');

// --- Signatures.
const sk = generateSecretKey('bench-1', new Uint8Array(32).fill(1));
const info = parseNarInfo(exampleNarinfo);
const fingerprint = fingerprintPathInfo(info, storeDir);
const sig = signPathInfo(info, storeDir, sk);
const ring = parsePublicKeys(`bench-1:${Buffer.from(toPublicKey(sk).key).toString('base64')}`);
const fpBytes = Buffer.from(fingerprint);
const rawSig = Buffer.from(sig.slice(sig.indexOf(':') + 1), 'base64');
const pub = toPublicKey(sk).key;
const keyObject = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });

const tixVerify = opsPerSec(() => verifyDetached(fingerprint, sig, ring));
const rawVerify = opsPerSec(() => nodeVerify(null, fpBytes, keyObject, rawSig));
const naclVerify = opsPerSec(() => nacl.sign.detached.verify(fpBytes, rawSig, pub), 1000);
row('signature verify: tix verifyDetached', tixVerify, 'sigs/s', `${(tixVerify / rawVerify).toFixed(2)}x of raw`);
row('signature verify: node:crypto raw (limit)', rawVerify, 'sigs/s');
row('signature verify: tweetnacl', naclVerify, 'sigs/s', `${(naclVerify / rawVerify).toFixed(3)}x of raw`);
const policy = { trustedKeys: ring, requireSigs: true, storeDir };
const signedInfo = { ...info, sigs: [sig] };
row('trust verdict (fingerprint + verify)', opsPerSec(() => checkPathInfo(signedInfo, policy)), 'paths/s');
const kp = keyPairFromSeed(new Uint8Array(32).fill(1));
row('sign: tix (node:crypto)', opsPerSec(() => ed25519Sign(kp.secretKey, fpBytes)), 'sigs/s');
row('sign: tweetnacl', opsPerSec(() => nacl.sign.detached(fpBytes, kp.secretKey), 1000), 'sigs/s');

// --- A closure of .drv files as JSON: tix vs nix show-derivation -r.
if (!NIX_SKIP) {
  const nix = new NixSandbox();
  try {
    const n = 1000;
    const expr = `let mk = i: deps: derivation { name = "d\${toString i}"; system = "x86_64-linux"; builder = "/bin/sh"; args = ["-c" "echo \${toString i}"]; inherit deps; text = builtins.concatStringsSep "" (builtins.genList (_: "some text \\"quoted\\" ") 20); };
      go = i: if i == 0 then [] else let prev = go (i - 1); in prev ++ [ (mk i (if i > 3 then [ (builtins.elemAt prev (i - 2)) (builtins.elemAt prev (i - 4)) ] else [])) ];
    in builtins.elemAt (go ${n}) ${n - 1}`;
    const top = nix.ok('nix-instantiate', ['--expr', expr]).trim();
    const store = join(nix.root, 'nix', 'store');
    const files = readdirSync(store).filter((f) => f.endsWith('.drv'));
    const t0 = performance.now();
    nix.ok('nix', ['show-derivation', '-r', top]);
    const nixMs = performance.now() - t0;
    const t1 = performance.now();
    nix.ok('nix', ['--version']);
    const startMs = performance.now() - t1;
    let tixMs = Infinity;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      const drvs = files.map((f) => [f, parseDerivation(readFileSync(join(store, f)), { name: new StorePath(f).name.slice(0, -4), storeDir })] as const);
      printJson(derivationsToJson(drvs), 2);
      tixMs = Math.min(tixMs, performance.now() - t);
    }
    row(`derivation show of ${files.length} .drv: tix (in process, incl. reads)`, (files.length * 1000) / tixMs, 'files/s', `${tixMs.toFixed(0)} ms`);
    row(`derivation show of ${files.length} .drv: nix show-derivation -r`, (files.length * 1000) / (nixMs - startMs), 'files/s', `${nixMs.toFixed(0)} ms incl. ~${startMs.toFixed(0)} ms start; tix/nix ${((nixMs - startMs) / tixMs).toFixed(2)}x`);
  } finally {
    nix.dispose();
  }
} else {
  rows.push(['derivation show vs nix show-derivation', 'skipped', '', String(NIX_SKIP)]);
}

const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(`${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)} ${r[2]!.padEnd(w[2]!)}  ${r[3]}`);
