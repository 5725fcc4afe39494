/**
 * A static file server on 127.0.0.1 for fetcher tests: `http-file-server-child.ts DIR`
 * serves DIR on an ephemeral port and prints `{"port":N}`. `/redirect/NAME` answers 302 to
 * `/NAME`; a missing file is a 404. Runs in its own process because the code under test
 * (tix and Nix) is run with spawnSync, which blocks the test's event loop.
 */

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

const root = process.argv[2]!;
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  if (path.startsWith('/redirect/')) {
    res.writeHead(302, { location: path.slice('/redirect'.length) });
    res.end();
    return;
  }
  readFile(join(root, normalize(path).replace(/^(\.\.[/\\])+/, ''))).then(
    (data) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      res.end(data);
    },
    () => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    },
  );
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 }) + '\n');
});
// Stop when the test closes our stdin (or dies).
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
