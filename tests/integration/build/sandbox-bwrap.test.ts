/**
 * The bubblewrap sandbox on its own: builders that try to get out. Each attempt must fail
 * inside the sandbox (the builder reports what it could do through its log).
 */

import { strict as assert } from 'node:assert';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BwrapSandbox } from '../../../src/build/sandbox-bwrap.ts';

const BUSYBOX = '/bin/busybox';
const SKIP = existsSync(BUSYBOX) ? false : 'busybox-static is not installed';

interface Outcome {
  exitCode: number | null;
  log: string;
  hostStore: string;
}

let root: string;
let sandbox: BwrapSandbox;
let physStore: string;

/**
 * Run `script` with busybox sh in a sandbox whose closure holds `inputs` (base names under
 * physStore), on a fresh store directory or on `store` (which may hold what an earlier run left).
 */
async function sandboxed(script: string, opts: { network?: boolean; inputs?: string[]; store?: string } = {}): Promise<Outcome> {
  const top = mkdtempSync(join(root, 'b-'));
  mkdirSync(join(top, 'build'));
  const store = opts.store ?? join(top, 'store');
  if (opts.store === undefined) mkdirSync(store);
  const logPath = join(top, 'log');
  const logFd = openSync(logPath, 'w');
  try {
    const r = await sandbox.run({
      builder: '/bin/sh',
      args: ['-c', script],
      env: new Map([['PATH', '/path-not-set'], ['out', '/nix/store/00000000000000000000000000000000-out']]),
      storeDir: '/nix/store',
      hostBuildDir: join(top, 'build'),
      hostStoreDir: store,
      inputs: new Map((opts.inputs ?? []).map((b) => [b, join(physStore, b)])),
      sandboxPaths: [{ target: '/bin/sh', source: BUSYBOX, optional: false }],
      network: opts.network ?? false,
      logFd,
    });
    return { exitCode: r.exitCode, log: readFileSync(logPath, 'utf8'), hostStore: store };
  } finally {
    closeSync(logFd);
  }
}

describe('BwrapSandbox', { skip: SKIP }, () => {
  let server: Server;
  let port = 0;
  const connections: string[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'tix-sandbox-test-'));
    sandbox = new BwrapSandbox({ etcParent: root });
    physStore = join(root, 'phys-store');
    for (const b of ['11111111111111111111111111111111-visible', '22222222222222222222222222222222-hidden']) {
      mkdirSync(join(physStore, b), { recursive: true });
      writeFileSync(join(physStore, b, 'file'), `contents of ${b}\n`);
    }
    // More entries than input-view.ts copies: this one is bound read-only.
    const large = join(physStore, '33333333333333333333333333333333-large');
    mkdirSync(large);
    writeFileSync(join(large, 'file'), 'large\n');
    for (let i = 0; i < 40; i++) writeFileSync(join(large, `f${i}`), '');
    // Answer a line with a greeting, then hang up. Answering only after the client's line
    // has arrived means a builder that saw the greeting was also heard; greeting first
    // would let nc quit on our EOF before it had sent its line.
    server = createServer((sock) => {
      let got = '';
      sock.on('data', (d) => {
        got += d.toString();
        if (!got.includes('\n')) return;
        connections.push(got.trim());
        sock.end('hello from the host\n');
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the builder as nixbld (1000:100) with PID 1, host name localhost and domain (none)', async () => {
    const r = await sandboxed('echo "$(id) pid=$$ host=$(hostname) domain=$(cat /proc/sys/kernel/domainname) cwd=$(pwd)"');
    assert.equal(r.exitCode, 0, r.log);
    assert.equal(r.log.trim(), 'uid=1000(nixbld) gid=100(nixbld) pid=1 host=localhost domain=(none) cwd=/build');
  });

  it('passes the exit code of the builder through', async () => {
    const r = await sandboxed('exit 42');
    assert.equal(r.exitCode, 42);
  });

  it('cannot open a TCP connection to a server on the host loopback', async () => {
    connections.length = 0;
    const r = await sandboxed(`echo sandboxed | nc -w 2 127.0.0.1 ${port} && echo CONNECTED || echo REFUSED`);
    assert.match(r.log, /REFUSED/);
    assert.doesNotMatch(r.log, /hello from the host/);
    assert.deepEqual(connections, []);
  });

  it('lets a fixed-output build (network: true) reach the host loopback', async () => {
    connections.length = 0;
    const r = await sandboxed(`echo fixed-output | nc -w 5 127.0.0.1 ${port}`, { network: true });
    assert.match(r.log, /hello from the host/);
    assert.deepEqual(connections, ['fixed-output']);
  });

  it('hides files outside the input closure: /tmp, /etc/shadow, $HOME and other store paths', async () => {
    const secret = join(tmpdir(), `tix-secret-${process.pid}`);
    writeFileSync(secret, 'TOP-SECRET\n');
    try {
      const script = [
        `cat ${secret}`,
        'cat /etc/shadow',
        `ls ${homedir()}`,
        'cat /nix/store/22222222222222222222222222222222-hidden/file',
        'cat /nix/store/11111111111111111111111111111111-visible/file',
        'ls /nix/store',
      ].join('; ');
      const r = await sandboxed(script, { inputs: ['11111111111111111111111111111111-visible'] });
      assert.doesNotMatch(r.log, /TOP-SECRET/);
      assert.doesNotMatch(r.log, /^root:/m);
      assert.doesNotMatch(r.log, /contents of 2222/);
      assert.match(r.log, /contents of 11111111111111111111111111111111-visible/);
      assert.doesNotMatch(r.log, /22222222222222222222222222222222-hidden$/m);
    } finally {
      rmSync(secret, { force: true });
    }
  });

  it('cannot write to the store, /, /etc or the sandbox paths', async () => {
    const input = '11111111111111111111111111111111-visible';
    const targets = [`/nix/store/${input}/file`, `/nix/store/${input}/new`, '/new', '/etc/passwd', '/bin/sh'];
    // A bound (large) input is read-only; a small one is a private copy (checked below).
    targets.push('/nix/store/33333333333333333333333333333333-large/file', '/nix/store/33333333333333333333333333333333-large/new');
    const script = targets.map((t) => `(echo x >> ${t}) 2>/dev/null && echo "WROTE ${t}"`).join('; ') + '; true';
    const r = await sandboxed(script, { inputs: [input, '33333333333333333333333333333333-large'] });
    assert.equal(r.exitCode, 0, r.log);
    assert.doesNotMatch(r.log, /WROTE \/(new|etc|bin|nix\/store\/3)/);
    assert.equal(readFileSync(join(physStore, input, 'file'), 'utf8'), `contents of ${input}\n`);
    assert.equal(existsSync(join(physStore, input, 'new')), false);
  });

  it('cannot hard-link a store file into its output (small inputs are private copies, large ones read-only binds)', async () => {
    for (const input of ['11111111111111111111111111111111-visible', '33333333333333333333333333333333-large']) {
      const r = await sandboxed(`mkdir $out && ln /nix/store/${input}/file $out/link; true`, { inputs: [input] });
      const link = join(r.hostStore, '00000000000000000000000000000000-out', 'link');
      if (existsSync(link)) assert.notEqual(statSync(link).ino, statSync(join(physStore, input, 'file')).ino, input);
    }
  });

  it("shows a copied input with the store's modes and mtime 1, and a builder that changes its copy changes nothing else", async () => {
    const input = '11111111111111111111111111111111-visible';
    const show = `stat -c '%a %Y %s' /nix/store/${input} /nix/store/${input}/file; cat /nix/store/${input}/file`;
    const tamper = `chmod -R u+w /nix/store/${input} && echo tampered > /nix/store/${input}/file && echo new > /nix/store/${input}/new && echo DONE`;
    const expected = `555 1 ${statSync(join(physStore, input)).size}\n444 1 ${`contents of ${input}\n`.length}\ncontents of ${input}\n`;
    for (let i = 0; i < 2; i++) {
      const r = await sandboxed(`${show}; ${tamper}`, { inputs: [input] });
      assert.equal(r.exitCode, 0, r.log);
      // The second build sees a fresh copy, whatever the first did to its own.
      assert.equal(r.log, `${expected}DONE\n`);
    }
    assert.equal(readFileSync(join(physStore, input, 'file'), 'utf8'), `contents of ${input}\n`);
    assert.equal(existsSync(join(physStore, input, 'new')), false);
  });

  it('never starts the builder when an input cannot be copied, and reports why', async () => {
    const input = '11111111111111111111111111111111-visible';
    const top = mkdtempSync(join(root, 'b-'));
    for (const d of ['build', 'store']) mkdirSync(join(top, d));
    const logFd = openSync(join(top, 'log'), 'w');
    try {
      const run = sandbox.run({
        builder: '/bin/sh',
        args: ['-c', 'echo ran > /build/ran'],
        env: new Map(),
        storeDir: '/nix/store',
        hostBuildDir: join(top, 'build'),
        hostStoreDir: join(top, 'store'),
        // A name no filesystem takes: the copy fails after bwrap has started.
        inputs: new Map([['x'.repeat(300), join(physStore, input)]]),
        sandboxPaths: [{ target: '/bin/sh', source: BUSYBOX, optional: false }],
        network: false,
        logFd,
      });
      await assert.rejects(run, { code: 'ENAMETOOLONG' });
      assert.equal(existsSync(join(top, 'build', 'ran')), false);
    } finally {
      closeSync(logFd);
    }
  });

  describe('in a store directory an earlier build used', () => {
    const visible = '11111111111111111111111111111111-visible';
    const large = '33333333333333333333333333333333-large';

    const inStore = (store: string, script: string, inputs: string[]): Promise<Outcome> => sandboxed(script, { store, inputs });

    it('keeps an untouched copy as it is (same inode) and removes what the builder left', async () => {
      const store = mkdtempSync(join(root, 's-'));
      let r = await inStore(store, `echo stray > /nix/store/stray && mkdir /nix/store/dir`, [visible]);
      assert.equal(r.exitCode, 0, r.log);
      const ino = statSync(join(store, visible, 'file')).ino;
      r = await inStore(store, `ls /nix/store`, [visible]);
      assert.equal(r.exitCode, 0, r.log);
      assert.equal(r.log, `${visible}\n`);
      assert.equal(statSync(join(store, visible, 'file')).ino, ino);
    });

    it('shows a fresh copy after a builder changed its copy in any way, and only the inputs of the new closure', async () => {
      const tampers = [
        `chmod u+w /nix/store/${visible}/file && echo tampered > /nix/store/${visible}/file && chmod u-w /nix/store/${visible}/file && touch -d @1 /nix/store/${visible}/file`,
        `chmod u+w /nix/store/${visible} && echo new > /nix/store/${visible}/new`,
        `chmod u+w /nix/store/${visible}/file`,
        `touch /nix/store/${visible}/file`,
        `chmod u+w /nix/store/${visible} && rm /nix/store/${visible}/file && ln -s /build/x /nix/store/${visible}/file`,
        `chmod u+w /nix/store/${visible} && mkdir /nix/store/${visible}/x && ln /nix/store/${visible}/file /nix/store/${visible}/x/link && rmdir /nix/store/${visible}/x 2>/dev/null; true`,
      ];
      const show = `cd /nix/store/${visible} && ls -A && stat -c '%n %a %Y %s %h %F' . * && cat file`;
      const fresh = await sandboxed(show, { inputs: [visible] });
      for (const tamper of tampers) {
        const store = mkdtempSync(join(root, 's-'));
        const first = await inStore(store, tamper, [visible]);
        assert.equal(first.exitCode, 0, `${tamper}: ${first.log}`);
        const second = await inStore(store, show, [visible]);
        assert.equal(second.log, fresh.log, tamper);
        assert.equal(readFileSync(join(physStore, visible, 'file'), 'utf8'), `contents of ${visible}\n`);
        // A closure without the input does not see it.
        const third = await inStore(store, `ls /nix/store`, []);
        assert.equal(third.log, '', tamper);
      }
    });

    it("replaces what a builder left where a bound input's mount point goes", async () => {
      const store = mkdtempSync(join(root, 's-'));
      const first = await inStore(store, `mkdir /nix/store/${large} && echo planted > /nix/store/${large}/file`, []);
      assert.equal(first.exitCode, 0, first.log);
      const second = await inStore(store, `cat /nix/store/${large}/file`, [large]);
      assert.equal(second.exitCode, 0, second.log);
      assert.equal(second.log, 'large\n');
    });
  });

  it('cannot create device nodes', async () => {
    const r = await sandboxed('mkdir $out && mknod $out/null c 1 3 && echo CREATED');
    assert.doesNotMatch(r.log, /CREATED/);
    assert.equal(existsSync(join(r.hostStore, '00000000000000000000000000000000-out', 'null')), false);
  });

  it('leaves what the builder writes to /nix/store in its own store directory', async () => {
    const r = await sandboxed('mkdir $out && echo hi > $out/x && echo stray > /nix/store/stray');
    assert.equal(r.exitCode, 0, r.log);
    assert.equal(readFileSync(join(r.hostStore, '00000000000000000000000000000000-out', 'x'), 'utf8'), 'hi\n');
    assert.equal(existsSync(join(physStore, 'stray')), false);
  });
});
