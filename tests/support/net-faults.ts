/**
 * Shared set-up of the network-fault e2e tests: provider stores holding the same
 * content-addressed paths (added with `tix store add`, so they need no signature), paced
 * provider nodes (tests/support/paced-node.ts) and a real fetching node `B` started with a
 * small `stalled-download-timeout`; plus the "nothing partial" check on B's store.
 */

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeLayout } from '../../src/store/local/index.ts';
import { repoRoot } from './child.ts';
import { NodeProcess, waitFor } from './p2p-node.ts';
import { runTixAsync } from './tix-cli.ts';

/** B's stalled-download-timeout in the tests, in seconds (Nix's default is 300). */
export const STALL_TIMEOUT_S = 2;

/** Run tix without the user's configuration; `env` adds variables (e.g. TIX_STATE_DIR). */
export async function tix(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await runTixAsync(args, { env: { TIX_CONF: '/dev/null', ...env } });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr };
}

/**
 * Add a tree with a `size`-byte random file (incompressible, so every byte crosses the
 * wire) to each of `roots`; returns its store path (the same in each: content-addressed).
 */
export async function addRandomTree(work: string, name: string, size: number, roots: string[]): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'data'), randomBytes(size));
  let path: string | undefined;
  for (const root of roots) {
    const r = await tix(['store', 'add', '--store', root, dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(path === undefined || path === r.stdout.trim());
    path = r.stdout.trim();
  }
  return path!;
}

export function hashPartOf(path: string): string {
  return path.slice('/nix/store/'.length, '/nix/store/'.length + 32);
}

/** A paced provider node serving the store at `root`; `where` runs it elsewhere (a network namespace). */
export function startProvider(root: string, env: NodeJS.ProcessEnv = {}, where: { prefix?: string[]; listen?: string } = {}): Promise<NodeProcess> {
  return NodeProcess.start({
    entry: [process.execPath, '--no-warnings', join(repoRoot, 'tests/support/paced-node.ts')],
    args: ['--store', root], env, ...where,
  });
}

/**
 * The fetching node, with a short stall timeout. `bulk: false` keeps every NAR on the libp2p
 * connection: a test whose proxy is the only way to a provider must not let the NAR take
 * the direct bulk channel past it.
 */
export function startFetcher(root: string, opts: { bulk?: boolean } = {}): Promise<NodeProcess> {
  const bulk = opts.bulk === false ? ['--option', 'p2p-bulk-channel', 'false'] : [];
  return NodeProcess.start({ args: ['--store', root, '--option', 'stalled-download-timeout', String(STALL_TIMEOUT_S), ...bulk] });
}

/** Connect `b` to `providers` and wait until it holds each one's inventory. */
export async function connect(b: NodeProcess, providers: NodeProcess[]): Promise<void> {
  for (const p of providers) await b.control((c) => c.connect(p.address));
  await waitFor('B to see every provider\'s inventory', async () => {
    const peers = (await b.refresh()).peers;
    return providers.every((p) => peers.some((q) => q.peerId === p.peerId && (q.paths ?? 0) > 0)) ? true : undefined;
  });
}

/** The provider that logged sending the NAR of `path` first (polled every 10 ms, 20 s at most). */
export function firstSender(providers: NodeProcess[], path: string): Promise<NodeProcess> {
  const line = `sending NAR ${hashPartOf(path)}`;
  return waitFor(`a provider to start sending ${path}`, () => providers.find((p) => p.log.includes(line)), 20_000, 10);
}

/** `tix copy --from p2p` through `b`. */
export function copyFrom(b: NodeProcess, path: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return tix(['copy', '--from', 'p2p', '--state', b.stateDir, '-v', path]);
}

/**
 * Nothing partial in `root`: verify with contents is clean, no temporary is left, and
 * every entry of the store directory is a registered path (none half-added).
 */
export async function assertNothingPartial(root: string): Promise<void> {
  const v = await tix(['store', 'verify', '--all', '--check-contents', '--store', root]);
  assert.equal(v.status, 0, `tix store verify: ${v.stderr}`);
  const layout = storeLayout(root);
  assert.deepEqual(existsSync(layout.tempDir) ? readdirSync(layout.tempDir) : [], [], 'no temporary left in .tix-tmp');
  const entries = existsSync(layout.realStoreDir) ? readdirSync(layout.realStoreDir).filter((n) => !n.startsWith('.')) : [];
  if (entries.length > 0) {
    const info = await tix(['store', 'path-info', '--store', root, ...entries.map((n) => `/nix/store/${n}`)]);
    assert.equal(info.status, 0, `every entry of the store directory is registered: ${info.stderr}`);
  }
}
