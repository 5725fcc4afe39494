/**
 * Build logs, one per derivation, as Nix keeps them in /nix/var/log/nix/drvs/ (Nix:
 * `LocalFSStore::getBuildLogExact`): `<state>/log/drvs/<first 2 chars>/<rest of the drv
 * base name>`, plus `.zst` when compressed (`compress-build-log`, default true; Nix uses
 * bzip2, tix zstd from Node's zlib). A builder's output goes straight into the plain file
 * (`prepareBuildLog`), as Nix writes its log while the build runs, and a large finished log
 * is then compressed (`writeBuildLog`); other writers use `openLogWriter`; `tix log` reads
 * with `readBuildLog`.
 */

import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createZstdCompress, zstdCompressSync, zstdDecompressSync, type ZstdCompress } from 'node:zlib';
import type { StorePath } from '../store-path.ts';
import type { StoreLayout } from './layout.ts';
import { SysError } from './sys-error.ts';

/** Path of the log of `drv`, without the compression suffix. */
export function buildLogPath(layout: Pick<StoreLayout, 'logDir'>, drv: StorePath): string {
  const b = drv.baseName;
  return `${layout.logDir}/drvs/${b.slice(0, 2)}/${b.slice(2)}`;
}

export interface LogWriter {
  write(chunk: Uint8Array | string): void;
  /** Flush and close; resolves when the log is on disk. */
  close(): Promise<void>;
}

/** Start the log of a build of `drv`, replacing an earlier one. */
export function openLogWriter(layout: Pick<StoreLayout, 'logDir'>, drv: StorePath, opts: { compress?: boolean } = {}): LogWriter {
  const base = buildLogPath(layout, drv);
  mkdirSync(base.slice(0, base.lastIndexOf('/')), { recursive: true });
  const compress = opts.compress ?? true;
  const file: WriteStream = createWriteStream(compress ? `${base}.zst` : base);
  const z: ZstdCompress | undefined = compress ? createZstdCompress() : undefined;
  if (z) z.pipe(file);
  const sink = z ?? file;
  return {
    write: (chunk) => {
      sink.write(chunk);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        file.once('error', reject);
        file.once('close', () => resolve());
        sink.end();
      }),
  };
}

/**
 * Make way for a new plain log of `drv`, which the caller then creates and writes (a
 * builder's stdout and stderr): its directory exists, and an earlier log, which would be
 * read instead of it (a compressed one) or mixed into it, is gone. Returns its path.
 * Asynchronous: a new directory costs a millisecond or two on a busy disk, which a build
 * spends on its other preparations meanwhile.
 */
export async function prepareBuildLog(layout: Pick<StoreLayout, 'logDir'>, drv: StorePath): Promise<string> {
  const base = buildLogPath(layout, drv);
  await ensureLogDir(base);
  const remove = (f: string) => unlinkIfPresent(f).catch((e: NodeJS.ErrnoException) => {
    throw new SysError('removing build log', f, e);
  });
  await Promise.all([remove(`${base}.zst`), remove(base)]);
  return base;
}

/**
 * Keep the whole, finished log of a build of `drv` (compressed), replacing an earlier one:
 * written beside and renamed into place, so a reader never sees half a log. Asynchronous
 * (libuv's thread pool): creating the `xx/` directory and the file cost a millisecond or
 * two each on a busy disk, which a builder's caller can spend on other work meanwhile.
 */
export async function writeBuildLog(layout: Pick<StoreLayout, 'logDir'>, drv: StorePath, log: Uint8Array): Promise<void> {
  const base = buildLogPath(layout, drv);
  const tmp = `${base}.tmp-${process.pid}-${++tmpCounter}`;
  try {
    const data = zstdCompressSync(log);
    await ensureLogDir(base);
    await writeFile(tmp, data).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      await ensureLogDir(base, true);
      await writeFile(tmp, data);
    });
    await rename(tmp, `${base}.zst`);
  } catch (e) {
    // A full disk (ENOSPC) or a read-only state dir: name the file, leave no half log.
    await rm(tmp, { force: true });
    throw new SysError('writing build log', tmp, e as NodeJS.ErrnoException);
  }
  // An uncompressed log of an earlier build would otherwise be read after this one.
  await unlinkIfPresent(base);
}

const madeDirs = new Set<string>();
let tmpCounter = 0;

/**
 * Make the directory of the log at `base`, once per process (a new directory costs a
 * millisecond or two on a busy disk); `again` when somebody removed it meanwhile.
 */
async function ensureLogDir(base: string, again = false): Promise<void> {
  const dir = base.slice(0, base.lastIndexOf('/'));
  if (madeDirs.has(dir) && !again) return;
  await mkdir(dir, { recursive: true });
  madeDirs.add(dir);
}

async function unlinkIfPresent(file: string): Promise<void> {
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

/** The log of `drv`, or undefined when there is none. */
export function readBuildLog(layout: Pick<StoreLayout, 'logDir'>, drv: StorePath): Buffer | undefined {
  const base = buildLogPath(layout, drv);
  try {
    return zstdDecompressSync(readFileSync(`${base}.zst`));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    return readFileSync(base);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return undefined;
}
