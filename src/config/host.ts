/**
 * Facts about this machine that setting defaults depend on: CPU count (`max-jobs = auto`),
 * the Nix system double, and a statically linked shell for the build sandbox (Nix builds
 * one in as `SANDBOX_SHELL`; tix uses Debian's busybox-static when it is installed).
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { SettingsContext } from './settings.ts';

/** Where Debian's busybox-static puts its binary. */
const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

const ARCH: Readonly<Record<string, string>> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'i686',
  riscv64: 'riscv64',
  ppc64: 'powerpc64le',
  s390x: 's390x',
};

/** Nix's name for this system, e.g. `x86_64-linux`. */
export function hostSystem(): string {
  return `${ARCH[process.arch] ?? process.arch}-${process.platform}`;
}

export function hostContext(): SettingsContext {
  const shell = BUSYBOX_CANDIDATES.find(isStaticElf);
  return { cpuCount: availableParallelism(), system: hostSystem(), ...(shell ? { sandboxShell: shell } : {}) };
}

/**
 * True for a 64-bit little-endian ELF executable without a PT_INTERP program header,
 * i.e. one that runs inside a sandbox with no dynamic loader in it.
 */
export function isStaticElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) < 64) return false;
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return false;
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    if (readSync(fd, table, 0, table.length, phoff) < table.length) return false;
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
