/**
 * Makes Jazzer.js's prebuilt libFuzzer addon load on Debian 12 (glibc 2.36, GCC 12).
 *
 * `@jazzer.js/fuzzer` 4.0.0 ships `prebuilds/fuzzer-linux-x64.node` built against glibc
 * 2.38 and GCC 13, and no C++ sources to rebuild it (its build also downloads an LLVM
 * fork, which this machine cannot). Loading it fails with
 * "version `GLIBC_2.38' not found". It needs exactly three symbols that older systems
 * lack, each with an older equivalent of the same ABI:
 *
 * - `__isoc23_strtol` / `__isoc23_strtoul` (glibc 2.38: C23 variants that also accept a
 *   `0b` prefix) → `strtol` / `strtoul` @GLIBC_2.2.5;
 * - `_ZSt21ios_base_library_initv` (GCC 13: a symbol that `<iostream>` only references to
 *   pull in libstdc++'s iostream initialisation; never called) → `_ZNSt6locale7classicEv`
 *   @GLIBCXX_3.4, a harmless existing symbol.
 *
 * The patch rewrites those names in `.dynstr` in place (each new name is shorter), points
 * their `.gnu.version` entries at the old version, and marks the then-unused `GLIBC_2.38`
 * and `GLIBCXX_3.4.32` requirements weak so the loader no longer insists on them. Nothing
 * else in the file changes. It runs only when loading the original fails, writes a new
 * file and renames it over the old one (never editing a possibly hard-linked file in
 * place), and is idempotent. On a system with glibc ≥ 2.38 it does nothing.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const VER_FLG_WEAK = 2;

/** Symbol renames: new name and the version (in the same library) it binds to. */
const RENAMES: Record<string, { name: string; version: string }> = {
  __isoc23_strtol: { name: 'strtol', version: 'GLIBC_2.2.5' },
  __isoc23_strtoul: { name: 'strtoul', version: 'GLIBC_2.2.5' },
  __isoc23_strtoll: { name: 'strtoll', version: 'GLIBC_2.2.5' },
  __isoc23_strtoull: { name: 'strtoull', version: 'GLIBC_2.2.5' },
  _ZSt21ios_base_library_initv: { name: '_ZNSt6locale7classicEv', version: 'GLIBCXX_3.4' },
};
/** Requirements no symbol needs once the renames are done. */
const DROPPED_VERSIONS = new Set(['GLIBC_2.38', 'GLIBCXX_3.4.32']);

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

function cstr(buf: Buffer, at: number): string {
  let end = at;
  while (buf[end] !== 0) end++;
  return buf.toString('latin1', at, end);
}

/** Returns the patched bytes, or null when the file needs no patch. */
export function patchAddon(elf: Buffer): Buffer | null {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const out = Buffer.from(elf);
  const shoff = Number(out.readBigUInt64LE(0x28));
  const shentsize = out.readUInt16LE(0x3a);
  const shnum = out.readUInt16LE(0x3c);
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * shentsize;
    sections.push({
      type: out.readUInt32LE(b + 4),
      offset: Number(out.readBigUInt64LE(b + 0x18)),
      size: Number(out.readBigUInt64LE(b + 0x20)),
      link: out.readUInt32LE(b + 0x28),
      entsize: Number(out.readBigUInt64LE(b + 0x38)),
    });
  }
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  if (!dynsym || !versym || !verneed) return null;
  const dynstr = sections[dynsym.link]!;

  // Version index -> { file, name, offset of its Vernaux entry }.
  const versions = new Map<number, { file: string; name: string; aux: number }>();
  for (let vn = verneed.offset; ; ) {
    const cnt = out.readUInt16LE(vn + 2);
    const file = cstr(out, dynstr.offset + out.readUInt32LE(vn + 4));
    let aux = vn + out.readUInt32LE(vn + 8);
    for (let i = 0; i < cnt; i++) {
      const index = out.readUInt16LE(aux + 6) & 0x7fff;
      versions.set(index, { file, name: cstr(out, dynstr.offset + out.readUInt32LE(aux + 8)), aux });
      aux += out.readUInt32LE(aux + 12);
    }
    const next = out.readUInt32LE(vn + 12);
    if (next === 0) break;
    vn += next;
  }
  const indexOf = (file: string, name: string): number | undefined =>
    [...versions].find(([, v]) => v.file === file && v.name === name)?.[0];

  let changed = false;
  const count = dynsym.size / dynsym.entsize;
  for (let i = 0; i < count; i++) {
    const nameAt = dynstr.offset + out.readUInt32LE(dynsym.offset + i * dynsym.entsize);
    const rename = RENAMES[cstr(out, nameAt)];
    if (!rename) continue;
    const current = versions.get(out.readUInt16LE(versym.offset + 2 * i) & 0x7fff);
    if (!current) continue;
    const target = indexOf(current.file, rename.version);
    if (target === undefined) throw new Error(`${current.file} has no ${rename.version} requirement to bind ${rename.name} to`);
    // Overwrite the name's start: a suffix shared with another symbol's name stays intact.
    out.write(`${rename.name}\0`, nameAt, 'latin1');
    out.writeUInt16LE(target, versym.offset + 2 * i);
    changed = true;
  }
  for (const [index, v] of versions) {
    if (!DROPPED_VERSIONS.has(v.name)) continue;
    for (let i = 0; i < count; i++) {
      if ((out.readUInt16LE(versym.offset + 2 * i) & 0x7fff) === index) {
        throw new Error(`symbol ${i} still needs ${v.name}; cannot drop it`);
      }
    }
    const flags = out.readUInt16LE(v.aux + 4);
    if ((flags & VER_FLG_WEAK) === 0) {
      out.writeUInt16LE(flags | VER_FLG_WEAK, v.aux + 4);
      changed = true;
    }
  }
  return changed ? out : null;
}

/** Path of the prebuilt addon that `@jazzer.js/fuzzer` loads on this platform. */
export function addonPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@jazzer.js/fuzzer/package.json');
  return join(dirname(pkg), 'prebuilds', `fuzzer-${process.platform}-${process.arch}.node`);
}

/** Loads the addon in a child process; returns the error text, or null when it loads. */
function loadError(path: string): string | null {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)})`], { encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr.split('\n').find((l) => l.startsWith('Error')) ?? r.stderr;
}

/**
 * Ensures the Jazzer.js addon loads, patching it when it fails for the known glibc/GCC
 * reasons. Throws with the loader's message when it still cannot load.
 */
export function ensureJazzerAddon(): void {
  const path = addonPath();
  const first = loadError(path);
  if (first === null) return;
  if (!/GLIBC_2\.38|GLIBCXX_3\.4\.32/.test(first)) throw new Error(`cannot load the Jazzer.js addon: ${first}`);
  const patched = patchAddon(readFileSync(path));
  if (patched) {
    const tmp = `${path}.tix-${process.pid}`;
    writeFileSync(tmp, patched);
    renameSync(tmp, path);
  }
  const second = loadError(path);
  if (second !== null) throw new Error(`cannot load the Jazzer.js addon even after the glibc patch: ${second}`);
}

if (import.meta.main) {
  ensureJazzerAddon();
  console.log(`jazzer addon loads: ${addonPath()}`);
}
