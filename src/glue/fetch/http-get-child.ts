/**
 * Child process for synchronous HTTP(S) downloads: `node http-get-child.ts URL FILE`
 * fetches URL (following redirects) into FILE and prints one JSON line on stdout:
 * `{"ok":true,"url":EFFECTIVE,"etag":…}` or `{"ok":false,"message":…}`. The evaluator is
 * synchronous, so the host runs this with spawnSync instead of awaiting fetch() itself.
 * Messages use curl's wording, which is what Nix prints ("Couldn't connect to server (7)").
 */

import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const [url, file] = process.argv.slice(2);

/** curl's text for the network failures Node reports, keyed by the errno code. */
const CURL_ERRORS: Record<string, string> = {
  ECONNREFUSED: "Couldn't connect to server (7)",
  ECONNRESET: 'Recv failure: Connection reset by peer (56)',
  ENOTFOUND: "Couldn't resolve host name (6)",
  EAI_AGAIN: "Couldn't resolve host name (6)",
  ETIMEDOUT: 'Timeout was reached (28)',
  EHOSTUNREACH: "Couldn't connect to server (7)",
};

function reply(o: object): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

async function main(): Promise<void> {
  if (url === undefined || file === undefined) throw new Error('usage: http-get-child URL FILE');
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', headers: { 'user-agent': 'curl/7.81.0 Nix/2.8.0 tix' } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const text = (cause?.code !== undefined ? CURL_ERRORS[cause.code] : undefined) ?? `${cause?.message ?? (e as Error).message}`;
    reply({ ok: false, message: text });
    return;
  }
  if (!res.ok) {
    reply({ ok: false, message: `HTTP error ${res.status} ('${res.statusText}')`, status: res.status });
    return;
  }
  const out = createWriteStream(file);
  if (res.body === null) out.end();
  else await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), out);
  reply({ ok: true, url: res.url, etag: res.headers.get('etag') ?? '' });
}

main().catch((e: unknown) => {
  reply({ ok: false, message: (e as Error).message });
});
