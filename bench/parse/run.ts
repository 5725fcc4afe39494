/**
 * Parse speed: tix's front end against `nix-instantiate --parse` on generated inputs of
 * real-world shape (a package set, a module-style config, string-heavy build scripts, and
 * one large flat operator soup). Nix's figure is its wall time minus its start-up (a
 * trivial file); tix's is in-process (parse + resolve, and with `--parse` printing, which
 * Nix's run includes), median of several runs after a warm-up. Run: npm run bench:parse
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_ENV_NAMES, parse, resolve, showExpr, Source } from '../../src/lang/index.ts';
import { median } from '../support/bench.ts';

function packageSet(n: number): string {
  const out = ['{ lib, stdenv, fetchurl, pkgs }:', 'with pkgs;', 'let', '  common = { platforms = lib.platforms.unix; };', 'in {'];
  for (let i = 0; i < n; i++) {
    out.push(`  pkg-${i} = stdenv.mkDerivation rec {
    pname = "pkg-${i}";
    version = "${i % 7}.${i % 13}.${i % 3}";
    src = fetchurl {
      url = "https://example.org/releases/\${pname}-\${version}.tar.gz";
      sha256 = "0${(i * 7919).toString(16).padStart(8, '0')}${'a'.repeat(43)}";
    };
    nativeBuildInputs = [ pkg-config cmake ];
    buildInputs = [ zlib openssl ] ++ lib.optional (i > 10) libffi;
    doCheck = ${i % 2 === 0 ? 'true' : 'false'};
    postInstall = ''
      mkdir -p $out/share/doc
      cp -r README* $out/share/doc/ || true
    '';
    meta = common // { description = "Package number ${i}"; license = lib.licenses.mit; };
  };`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}

function moduleConfig(n: number): string {
  const out = ['{ config, lib, pkgs, ... }:', 'let inherit (lib) mkIf mkOption types; cfg = config.services; in {', '  options.services = {'];
  for (let i = 0; i < n; i++) out.push(`    svc${i}.enable = mkOption { type = types.bool; default = false; description = "Enable service ${i}."; };`);
  out.push('  };', '  config = lib.mkMerge [');
  for (let i = 0; i < n; i++) {
    out.push(`    (mkIf cfg.svc${i}.enable { systemd.services.svc${i} = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello --port \${toString (8000 + ${i})}"; }; })`);
  }
  out.push('  ];', '}');
  return out.join('\n') + '\n';
}

function operatorSoup(n: number): string {
  const terms: string[] = [];
  for (let i = 0; i < n; i++) terms.push(`(x: y: if x < y then x * ${i} - y / 2 else { a.b = x; c = [ y ${i}.5 ]; }.a.b or null) ${i} ${i + 1}`);
  return `[\n${terms.join('\n')}\n]\n`;
}

function timeNix(file: string, runs: number): number {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('nix-instantiate', ['--parse', file], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NIX_REMOTE: 'dummy://' } });
    if (r.status !== 0) throw new Error(`nix-instantiate failed on ${file}: ${r.stderr}`);
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

function timeTix(text: string, dir: string, print: boolean, runs: number): number {
  const ts: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    const f = parse(new Source({ kind: 'file', path: join(dir, 'x.nix') }, text), { basePath: dir, home: '/home' });
    resolve(f, { baseEnv: BASE_ENV_NAMES });
    if (print) showExpr(f.root);
    if (i > 0) ts.push(Number(process.hrtime.bigint() - t0) / 1e6); // first run warms up
  }
  return median(ts);
}

const dir = mkdtempSync(join(tmpdir(), 'tix-bench-parse-'));
try {
  const inputs: [string, string][] = [
    ['package set (3,000 packages)', packageSet(3000)],
    ['module config (4,000 options)', moduleConfig(4000)],
    ['operator soup (20,000 terms)', operatorSoup(20000)],
  ];
  writeFileSync(join(dir, 'trivial.nix'), '1\n');
  const hasNix = spawnSync('nix-instantiate', ['--version'], { stdio: 'ignore' }).status === 0;
  const startup = hasNix ? timeNix(join(dir, 'trivial.nix'), 7) : NaN;
  console.log(`nix-instantiate start-up (trivial file): ${startup.toFixed(1)} ms; figures are medians, shared machine`);
  console.log('input                            size     nix (net)  tix parse+resolve  tix +print   ratio nix/tix(+print)');
  for (const [name, text] of inputs) {
    const file = join(dir, name.split(' ')[0] + '.nix');
    writeFileSync(file, text, 'latin1');
    const nix = hasNix ? timeNix(file, 3) - startup : NaN;
    const tix = timeTix(text, dir, false, 5);
    const tixPrint = timeTix(text, dir, true, 5);
    const mb = text.length / 1e6;
    console.log(
      `${name.padEnd(32)} ${mb.toFixed(2).padStart(5)} MB ${nix.toFixed(1).padStart(8)} ms ${tix.toFixed(1).padStart(10)} ms ${tixPrint.toFixed(1).padStart(10)} ms ${(nix / tixPrint).toFixed(2).padStart(8)}x   (${(mb / (tix / 1000)).toFixed(0)} MB/s tix parse)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
