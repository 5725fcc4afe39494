/**
 * Fuzz target: restoring a NAR onto the filesystem (src/store/local/nar-fs.ts
 * `restorePath` with fs-sink.ts).
 *
 * Each input is restored to `out` inside a fresh, empty work directory. Contract: the
 * restore resolves or rejects with a `NarFormatError` (bad NAR, located by offset) or a
 * `RestoreError`. Properties:
 * - nothing ever appears in the work directory beside `out` (a NAR cannot write outside
 *   its target), and the directory holding the work directories holds nothing else;
 * - the restore accepts exactly what the reader accepts (the only excuse is a path the
 *   filesystem finds too long);
 * - an accepted NAR, dumped again from the restored files, is byte for byte the input.
 *
 * With `TIX_FUZZ_NIX=1` (the long differential runs, never the test suite) every input is
 * also restored by `nix-store --restore`: Nix must accept whatever tix accepts and restore
 * the same tree; inputs only tix rejects are appended to `.fuzz/nar-restore-stricter.txt`.
 */

import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNarBytes } from '../../src/store/nar/reader.ts';
import { nullSink } from '../../src/store/nar/sink.ts';
import { dumpPath, restorePath } from '../../src/store/local/nar-fs.ts';
import { collectBytes } from '../support/nar.ts';
import { expectTixError, violation } from './support/contract.ts';
import { splitChunks } from './support/chunks.ts';

const PARENT = mkdtempSync(join(tmpdir(), 'tix-fuzz-restore-'));
const DIFFERENTIAL = process.env.TIX_FUZZ_NIX === '1';
const STRICTER_LOG = join(process.cwd(), '.fuzz', 'nar-restore-stricter.txt');
process.on('exit', () => rmSync(PARENT, { recursive: true, force: true }));

const dump = async (path: string): Promise<Buffer> => collectBytes(dumpPath(path));

function readerAccepts(data: Uint8Array): boolean {
  try {
    parseNarBytes(data, nullSink);
    return true;
  } catch {
    return false;
  }
}

function tooLong(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  return (e as { code?: string }).code === 'E_RESTORE_IO' && cause?.code === 'ENAMETOOLONG';
}

export async function fuzz(data: Buffer): Promise<void> {
  const work = mkdtempSync(join(PARENT, 'w-'));
  try {
    const out = join(work, 'out');
    let accepted = true;
    try {
      const r = await restorePath(out, splitChunks(data, 64));
      if (r.narSize !== data.length) violation(`restore reports a NAR size of ${r.narSize} for ${data.length} bytes`);
    } catch (e) {
      expectTixError(e, { names: ['NarFormatError', 'RestoreError'] });
      if (e.name === 'NarFormatError') expectTixError(e, { names: ['NarFormatError'], location: 'offset', extent: data.length });
      accepted = false;
      if (readerAccepts(data) && !tooLong(e)) violation(`the reader accepts this NAR but the restore fails: ${e.code} ${e.message}`, e);
    }
    const beside = readdirSync(work).filter((n) => n !== 'out');
    if (beside.length > 0) violation(`the restore wrote outside its target: ${beside.join(', ')}`);
    const others = readdirSync(PARENT).filter((n) => n !== work.slice(PARENT.length + 1));
    if (others.length > 0) violation(`something appeared beside the work directory: ${others.join(', ')}`);
    if (accepted) {
      if (!readerAccepts(data)) violation('the restore accepted a NAR the reader rejects');
      const again = await dump(out);
      if (!again.equals(data)) violation(`the restored tree dumps to different bytes (${again.length} vs ${data.length})`);
    }
    if (DIFFERENTIAL) differential(data, accepted, work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function differential(data: Buffer, tixAccepted: boolean, work: string): void {
  const nixOut = join(work, 'nix-out');
  const r = spawnSync('nix-store', ['--restore', nixOut], { input: data, env: { ...process.env, NIX_REMOTE: join(work, 'no-store') } });
  if (r.error) throw r.error;
  const nixAccepted = r.status === 0;
  if (tixAccepted && !nixAccepted) violation(`tix restores a NAR that nix-store --restore rejects: ${String(r.stderr).trim()}`);
  if (nixAccepted && !tixAccepted) {
    mkdirSync(join(process.cwd(), '.fuzz'), { recursive: true });
    appendFileSync(STRICTER_LOG, `${data.toString('base64')}\n`);
  }
  if (tixAccepted && nixAccepted) {
    const nixDump = spawnSync('nix-store', ['--dump', nixOut], { maxBuffer: 1 << 28, env: { ...process.env, NIX_REMOTE: join(work, 'no-store') } });
    if (!Buffer.from(nixDump.stdout).equals(data)) violation('nix-store --restore made a different tree than tix from the same NAR');
  }
}
