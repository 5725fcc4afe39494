/**
 * HttpTransport against a loopback server whose answers the test scripts: which statuses
 * mean "missing", which are retried, which fail at once, and how many requests it keeps in
 * flight. (The whole path through real Nix caches is tests/differential/substitute/.)
 */

import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpTransport } from '../../../src/substitute/index.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('HttpTransport', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Handler>();
  const hits = new Map<string, number>();

  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const h = routes.get(path);
      if (h) h(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cache`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const transport = (): HttpTransport => new HttpTransport(base, { backoffMs: 1, attempts: 3 });
  const status = (code: number): Handler => (_q, res) => res.writeHead(code).end('body');

  it('reads a file relative to the cache URL', async () => {
    routes.set('/cache/nix-cache-info', (_q, res) => res.end('StoreDir: /nix/store\n'));
    assert.equal(Buffer.from((await transport().readFile('nix-cache-info'))!).toString(), 'StoreDir: /nix/store\n');
  });

  for (const code of [404, 410, 403]) {
    it(`treats HTTP ${code} as a missing file, without retrying`, async () => {
      routes.set(`/cache/m${code}`, status(code));
      assert.equal(await transport().readFile(`m${code}`), undefined);
      assert.equal(hits.get(`/cache/m${code}`), 1);
    });
  }

  it('retries a transient 503 and returns the file once it is there', async () => {
    let n = 0;
    routes.set('/cache/flaky', (_q, res) => (++n < 3 ? res.writeHead(503).end() : res.end('ok')));
    assert.equal(Buffer.from((await transport().readFile('flaky'))!).toString(), 'ok');
    assert.equal(n, 3);
  });

  it('gives up after the configured attempts with Nix\'s wording', async () => {
    routes.set('/cache/down', status(500));
    await assert.rejects(transport().readFile('down'), { code: 'E_SUBSTITUTER', message: `unable to download '${base}/down': HTTP error 500` });
    assert.equal(hits.get('/cache/down'), 3);
  });

  for (const code of [401, 400, 501]) {
    it(`fails at once on HTTP ${code}`, async () => {
      routes.set(`/cache/e${code}`, status(code));
      await assert.rejects(transport().readFile(`e${code}`), { message: new RegExp(`HTTP error ${code}$`) });
      assert.equal(hits.get(`/cache/e${code}`), 1);
    });
  }

  it('follows redirects, as Nix does for caches that hand NARs to another host', async () => {
    routes.set('/cache/nar/moved.nar', (_q, res) => res.writeHead(302, { location: '/elsewhere/x.nar' }).end());
    routes.set('/elsewhere/x.nar', (_q, res) => res.end('nar bytes'));
    const chunks: Buffer[] = [];
    for await (const c of await transport().openFile('nar/moved.nar')) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'nar bytes');
  });

  it('takes an absolute http URL from a narinfo as it is, and refuses other schemes', () => {
    const t = transport();
    assert.equal(t.url('https://cdn.example.org/nar/x.nar.xz'), 'https://cdn.example.org/nar/x.nar.xz');
    assert.equal(t.url('nar/x.nar'), `${base}/nar/x.nar`);
    assert.throws(() => t.url('file:///etc/passwd'), { code: 'E_SUBSTITUTER' });
  });

  it('refuses a narinfo larger than its limit, announced or not', async () => {
    routes.set('/cache/huge-announced', (_q, res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000)));
    routes.set('/cache/huge-chunked', (_q, res) => { res.write('x'.repeat(3000)); res.end('x'.repeat(3000)); });
    const t = new HttpTransport(base, { maxFileBytes: 4096 });
    for (const f of ['huge-announced', 'huge-chunked']) await assert.rejects(t.readFile(f), { message: /is larger than 4096 bytes/ });
    assert.equal((await t.readFile('nix-cache-info'))!.length, 'StoreDir: /nix/store\n'.length);
  });

  it('reports a NAR that is missing when it is opened', async () => {
    await assert.rejects(transport().openFile('nar/gone.nar'), { message: /HTTP error 404/ });
  });

  it('reports a connection that is refused after its attempts', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const t = new HttpTransport(`http://127.0.0.1:${port}`, { backoffMs: 1, attempts: 2 });
    await assert.rejects(t.readFile('nix-cache-info'), { message: /ECONNREFUSED/ });
  });

  it('keeps at most `connections` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    for (let i = 0; i < 9; i++) {
      routes.set(`/cache/slow${i}`, (_q, res) => {
        most = Math.max(most, ++inFlight);
        setTimeout(() => { inFlight--; res.end('x'); }, 100);
      });
    }
    const t = new HttpTransport(base, { connections: 3 });
    await Promise.all(Array.from({ length: 9 }, (_, i) => t.readFile(`slow${i}`)));
    assert.equal(most, 3);
  });

  describe('stall timeout (stalled-download-timeout)', () => {
    /** Sends `first`, then nothing, keeping the response open; closed by the server's after(). */
    const stallAfter = (first: string): Handler => (_q, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(first);
    };

    it('drops a narinfo whose body stops mid-way, naming the bytes received', async () => {
      routes.set('/cache/stall.narinfo', stallAfter('StorePath: /nix/store/'));
      const t = new HttpTransport(base, { stallTimeoutMs: 200, attempts: 1 });
      await assert.rejects(t.readFile('stall.narinfo'), { code: 'E_SUBSTITUTER', message: `unable to download '${base}/stall.narinfo': stalled: no data for 200 ms after 22 bytes` });
    });

    it('fails the NAR stream of a body that stops mid-way', async () => {
      routes.set('/cache/nar/stall.nar', stallAfter('x'.repeat(1000)));
      const t = new HttpTransport(base, { stallTimeoutMs: 200, attempts: 1 });
      let got = 0;
      await assert.rejects(async () => {
        for await (const c of await t.openFile('nar/stall.nar')) got += (c as Buffer).length;
      }, { message: /stalled: no data for 200 ms after 1000 bytes/ });
      assert.equal(got, 1000);
    });

    it('drops a server that accepts the request but never answers', async () => {
      routes.set('/cache/silent', () => { /* no headers, ever */ });
      const t = new HttpTransport(base, { stallTimeoutMs: 200, attempts: 1 });
      await assert.rejects(t.readFile('silent'), { message: /no response within 200 ms/ });
    });

    it('never cuts off a body that is slow but keeps coming', async () => {
      routes.set('/cache/nar/trickle.nar', (_q, res) => {
        let n = 0;
        const tick = setInterval(() => {
          if (++n === 8) { clearInterval(tick); res.end('y'); } else res.write('y');
        }, 60);
      });
      const t = new HttpTransport(base, { stallTimeoutMs: 1000, attempts: 1 });
      const chunks: Buffer[] = [];
      for await (const c of await t.openFile('nar/trickle.nar')) chunks.push(c as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'y'.repeat(8));
    });

    it('does not count the time a slow reader takes between reads', async () => {
      // 8 MiB: more than the socket buffers hold, so the server is held up by the reader.
      routes.set('/cache/nar/big.nar', (_q, res) => res.end(Buffer.alloc(8 << 20, 7)));
      // Margins wide enough for a loaded CI machine: the pause is 3x the timeout, the timeout many event-loop hiccups.
      const t = new HttpTransport(base, { stallTimeoutMs: 500, attempts: 1 });
      let got = 0;
      let paused = false;
      for await (const c of await t.openFile('nar/big.nar')) {
        got += (c as Buffer).length;
        if (!paused) {
          paused = true;
          await new Promise((r) => setTimeout(r, 1500));
        }
      }
      assert.equal(got, 8 << 20);
    });
  });
});
