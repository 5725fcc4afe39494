/**
 * Download a URL into a local file, synchronously (upstream `FileTransfer::download` as the
 * fetchers use it). `file://` URLs are copied directly; `http://` and `https://` go through a
 * short-lived child process (http-get-child.ts) run with this Node, since evaluation cannot
 * wait for a promise. Failures read as Nix's: "unable to download 'URL': …".
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostError } from '../../lang/host.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'http-get-child.ts');

export class DownloadError extends HostError {
  constructor(url: string, why: string) {
    super(`unable to download '${url}': ${why}`, 'E_FETCH_DOWNLOAD');
  }
}

/** The local path a `file://` URL names (percent-decoded, as curl does). */
export function fileUrlPath(url: string): string {
  let rest = url.slice('file://'.length);
  // file://localhost/x and file:///x name the same file.
  if (rest.startsWith('localhost/')) rest = rest.slice('localhost'.length);
  const q = rest.search(/[?#]/);
  if (q >= 0) rest = rest.slice(0, q);
  return decodeURIComponent(rest);
}

export function urlScheme(url: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return m ? m[1]!.toLowerCase() : undefined;
}

/** Fetch `url` into `dest`; returns the effective URL (after redirects). */
export function downloadToFile(url: string, dest: string): string {
  const scheme = urlScheme(url);
  if (scheme === 'file') {
    const path = fileUrlPath(url);
    let ok = false;
    try {
      ok = statSync(path).isFile();
    } catch {
      ok = false;
    }
    if (!ok) throw new DownloadError(url, "Couldn't read a file:// file (37)");
    copyFileSync(path, dest);
    return url;
  }
  if (scheme !== 'http' && scheme !== 'https') throw new DownloadError(url, `Protocol "${scheme ?? ''}" not supported or disabled in libcurl (1)`);
  const r = spawnSync(process.execPath, [CHILD, url, dest], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 15 * 60 * 1000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let res: { ok: boolean; url?: string; message?: string };
  try {
    res = JSON.parse(line) as typeof res;
  } catch {
    throw new DownloadError(url, `download process failed: ${(r.stderr ?? '').trim() || r.error?.message || `exit status ${r.status}`}`);
  }
  if (!res.ok) throw new DownloadError(url, res.message ?? 'unknown error');
  return res.url ?? url;
}
