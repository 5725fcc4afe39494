/**
 * Checking the store against its database (Nix: `nix-store --verify [--check-contents]`,
 * `nix store verify --sigs`). For each path asked about (or every valid path):
 *
 * - its files exist;
 * - its references are valid (the closure invariant);
 * - with `checkContents`, its NAR hash and size are recomputed and compared;
 * - with `trust`, it is trusted: built here (`ultimate`), content-addressed for real, or
 *   signed by a trusted key (src/trust).
 *
 * Every problem is reported, not just the first; nothing is changed. Repairing a corrupt
 * path needs a substituter or a rebuild, so `--repair` lives in src/build/repair.ts.
 */

import { lstatSync } from 'node:fs';
import type { Hash } from '../../hash/hash.ts';
import { checkPathInfo } from '../../trust/verdict.ts';
import type { PathInfo } from '../path-info-json.ts';
import type { PublicKeyring } from '../signature/keys.ts';
import type { StorePath } from '../store-path.ts';
import { allPathInfos } from './gc.ts';
import { InvalidPathError } from './errors.ts';
import { hashPath } from './nar-fs.ts';
import type { StoreContext } from './store-context.ts';

export interface VerifyOptions {
  /** Paths to check; every valid path when omitted (`--all`). */
  readonly paths?: readonly StorePath[];
  readonly checkContents?: boolean;
  /** Check signatures against these keys (`--sigs`). */
  readonly trust?: { readonly trustedKeys: PublicKeyring };
  readonly signal?: AbortSignal;
}

export type VerifyProblem =
  | { readonly type: 'missing'; readonly path: StorePath }
  | { readonly type: 'modified'; readonly path: StorePath; readonly expected: Hash; readonly got: Hash; readonly expectedSize: number; readonly gotSize: number }
  | { readonly type: 'unreadable'; readonly path: StorePath; readonly message: string }
  | { readonly type: 'invalid-reference'; readonly path: StorePath; readonly reference: StorePath }
  | { readonly type: 'untrusted'; readonly path: StorePath; readonly reason: string };

export type VerifyEvent =
  | VerifyProblem
  | { readonly type: 'checked'; readonly path: StorePath; readonly ok: boolean }
  | { readonly type: 'done'; readonly checked: number; readonly failed: number };

/** Nix's wording for each problem. */
export function describeProblem(p: VerifyProblem, print: (p: StorePath) => string): string {
  switch (p.type) {
    case 'missing':
      return `path '${print(p.path)}' disappeared, but it is still valid in the database`;
    case 'modified':
      return p.expected.equals(p.got)
        ? `path '${print(p.path)}' has size ${p.gotSize}, expected ${p.expectedSize}`
        : `path '${print(p.path)}' was modified! expected hash '${p.expected.toString('nix32', true)}', got '${p.got.toString('nix32', true)}'`;
    case 'unreadable':
      return `path '${print(p.path)}' cannot be read: ${p.message}`;
    case 'invalid-reference':
      return `path '${print(p.path)}' refers to '${print(p.reference)}', which is not valid`;
    case 'untrusted':
      return `path '${print(p.path)}' is untrusted: ${p.reason}`;
  }
}

export async function* verifyStore(ctx: StoreContext, opts: VerifyOptions = {}): AsyncGenerator<VerifyEvent> {
  let infos: PathInfo[];
  let validSet: (p: StorePath) => Promise<boolean>;
  if (opts.paths) {
    const got = await ctx.db.queryPathInfos(opts.paths);
    infos = [];
    for (let i = 0; i < got.length; i++) {
      if (!got[i]) throw new InvalidPathError(ctx.storeDir.printPath(opts.paths[i]!));
      infos.push(got[i]!);
    }
    validSet = (p) => ctx.db.isValidPath(p);
  } else {
    const all = await allPathInfos(ctx);
    infos = [...all.values()].sort((a, b) => (a.path.baseName < b.path.baseName ? -1 : 1));
    validSet = async (p) => all.has(p.baseName);
  }
  let failed = 0;
  for (const info of infos) {
    opts.signal?.throwIfAborted();
    const problems: VerifyProblem[] = [];
    for await (const p of checkPath(ctx, info, validSet, opts)) problems.push(p);
    for (const p of problems) yield p;
    if (problems.length > 0) failed++;
    yield { type: 'checked', path: info.path, ok: problems.length === 0 };
  }
  yield { type: 'done', checked: infos.length, failed };
}

async function* checkPath(
  ctx: StoreContext,
  info: PathInfo,
  isValid: (p: StorePath) => Promise<boolean>,
  opts: VerifyOptions,
): AsyncGenerator<VerifyProblem> {
  const real = `${ctx.layout.realStoreDir}/${info.path.baseName}`;
  for (const r of info.references) {
    if (!r.equals(info.path) && !(await isValid(r))) yield { type: 'invalid-reference', path: info.path, reference: r };
  }
  if (opts.trust && !info.ultimate) {
    const verdict = checkPathInfo(info, { trustedKeys: opts.trust.trustedKeys, requireSigs: true, storeDir: ctx.storeDir });
    if (!verdict.ok) yield { type: 'untrusted', path: info.path, reason: verdict.reason };
  }
  try {
    lstatSync(real);
  } catch {
    yield { type: 'missing', path: info.path };
    return;
  }
  if (opts.checkContents) {
    try {
      const { hash, narSize } = await hashPath(real, info.narHash.algo);
      if (!hash.equals(info.narHash) || narSize !== info.narSize) {
        yield { type: 'modified', path: info.path, expected: info.narHash, got: hash, expectedSize: info.narSize, gotSize: narSize };
      }
    } catch (e) {
      yield { type: 'unreadable', path: info.path, message: (e as Error).message };
    }
  }
}
