/**
 * The git fetcher for local repositories (upstream `GitInputScheme`, as `builtins.fetchGit`
 * and `fetchTree { type = "git"; }` use it), through the `git` program:
 *
 * - no `ref`/`rev` and uncommitted changes to tracked files: the working tree itself, only
 *   the files `git ls-files` lists ("Git tree '…' is dirty"), with `dirtyRev` = HEAD + "-dirty";
 * - otherwise the commit `rev` (default: the tip of `ref`, default: the checked-out branch),
 *   exported with `git archive` (so `export-ignore` applies), or checked out with its
 *   submodules when `submodules = true`.
 *
 * The caller hashes the tree and names the store path; this module finds the tree and the
 * input attributes (rev, revCount, lastModified, dirtyRev…).
 */

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HostError } from '../../lang/host.ts';
import { latin1 } from '../latin1.ts';
import type { PathFilter } from '../sync-nar.ts';
import { fileUrlPath, urlScheme } from './download.ts';
import { run, runOk } from './run.ts';

export interface GitRequest {
  readonly url: string;
  readonly ref?: string;
  readonly rev?: string;
  readonly shallow?: boolean;
  readonly submodules?: boolean;
  readonly allRefs?: boolean;
}

export interface GitTree {
  /** Directory holding the tree (latin1 path), and the filter selecting its files. */
  readonly root: string;
  readonly filter?: PathFilter;
  /** The working tree with uncommitted changes was used. */
  readonly dirty?: boolean;
  readonly attrs: Map<string, string | number | boolean>;
}


/** The local directory a git URL names, or an error for remote URLs. */
export function localRepoPath(url: string): string {
  const scheme = urlScheme(url);
  if (scheme === undefined && url.startsWith('/')) return url;
  if (scheme === 'file') return fileUrlPath(url);
  if (scheme === 'git+file') return fileUrlPath(url.slice('git+'.length));
  throw new HostError(`tix: fetching git repositories over '${scheme ?? url}' is not supported yet (only local repositories: a path or file:// URL)`, 'E_FETCH_UNSUPPORTED');
}

/** Git with a clean environment: no pager, no signatures, nothing from the user's repo config affecting output. */
function git(repo: string, args: readonly string[]): string {
  return runOk('git', ['-C', repo, ...args], gitEnv());
}

function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

function tryGit(repo: string, args: readonly string[]): string | undefined {
  const r = run('git', ['-C', repo, ...args], gitEnv());
  return r.status === 0 ? r.stdout : undefined;
}

function commitTime(repo: string, rev: string): number {
  return Number(git(repo, ['log', '-1', '--format=%ct', '--no-show-signature', rev]).trim());
}

/** Fetch `req` into `tmp` (a fresh directory) when a copy is needed. */
export function fetchGit(req: GitRequest, tmp: string): GitTree {
  const repo = localRepoPath(req.url);
  if (!existsSync(repo) || !statSync(repo).isDirectory() || tryGit(repo, ['rev-parse', '--git-dir']) === undefined) {
    throw new HostError(`path '${repo}' is not a Git repository`, 'E_FETCH_NOT_GIT');
  }
  const attrs = new Map<string, string | number | boolean>();
  attrs.set('submodules', req.submodules ?? false);
  const head = tryGit(repo, ['rev-parse', '--verify', '-q', 'HEAD^{commit}'])?.trim();

  if (req.ref === undefined && req.rev === undefined) {
    const clean = head !== undefined && run('git', ['-C', repo, 'diff', '--quiet', 'HEAD', '--'], gitEnv()).status === 0;
    if (!clean) return dirtyTree(repo, head, req, attrs);
  }

  if (req.shallow !== true && tryGit(repo, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true') {
    throw new HostError(`'${repo}' is a shallow Git repository, but shallow repositories are only allowed when \`shallow = true;\` is specified`, 'E_FETCH_GIT');
  }
  let ref = req.ref ?? tryGit(repo, ['symbolic-ref', '-q', 'HEAD'])?.trim() ?? 'HEAD';
  // Upstream: a bare branch name means refs/heads/NAME.
  if (ref !== 'HEAD' && !ref.startsWith('refs/')) ref = 'refs/heads/' + ref;
  let rev: string;
  if (req.rev !== undefined) {
    if (!/^[0-9a-f]{40}$/.test(req.rev)) throw new HostError(`hash '${req.rev}' is not a valid Git revision`, 'E_FETCH_GIT');
    rev = req.rev;
    const exists = tryGit(repo, ['cat-file', '-e', `${rev}^{commit}`]) !== undefined;
    const reachable = exists && (req.allRefs === true || req.ref === undefined || run('git', ['-C', repo, 'merge-base', '--is-ancestor', rev, ref], gitEnv()).status === 0);
    if (!reachable) {
      throw new HostError(
        `Cannot find Git revision '${rev}' in ref '${ref}' of repository '${req.url}'! Please make sure that the rev exists on the ref you've specified or add allRefs = true; to fetchGit.`,
        'E_FETCH_GIT',
      );
    }
  } else {
    const r = tryGit(repo, ['rev-parse', '--verify', '-q', `${ref}^{commit}`]);
    if (r === undefined) throw new HostError(`resolving Git reference '${ref}' in repository '${req.url}': reference not found`, 'E_FETCH_GIT');
    rev = r.trim();
  }
  attrs.set('rev', rev);
  attrs.set('shortRev', rev.slice(0, 7));
  if (req.shallow !== true) attrs.set('revCount', Number(git(repo, ['rev-list', '--count', rev]).trim()));
  attrs.set('lastModified', commitTime(repo, rev));
  if (req.submodules === true) return { ...checkoutWithSubmodules(repo, rev, tmp), attrs };
  const tar = join(tmp, 'export.tar');
  const out = join(tmp, 'tree');
  mkdirSync(out);
  git(repo, ['archive', '--format=tar', '-o', tar, rev]);
  runOk('tar', ['-x', '-f', tar, '-C', out, '--no-same-owner']);
  return { root: latin1(out), attrs };
}

/** The working tree, tracked files only (upstream's dirty-tree path). */
function dirtyTree(repo: string, head: string | undefined, req: GitRequest, attrs: Map<string, string | number | boolean>): GitTree {
  const files = new Set(
    git(repo, ['ls-files', '-z', ...(req.submodules === true ? ['--recurse-submodules'] : [])])
      .split('\0')
      .filter((f) => f !== ''),
  );
  // Every directory that holds a tracked file.
  const dirs = new Set<string>();
  for (const f of files) for (let i = f.indexOf('/'); i >= 0; i = f.indexOf('/', i + 1)) dirs.add(f.slice(0, i));
  const root = latin1(repo.replace(/\/+$/, '') || '/');
  const prefix = root === '/' ? 1 : root.length + 1;
  const filter: PathFilter = (p, type) => {
    const rel = p.slice(prefix);
    return type === 'directory' ? dirs.has(rel) : files.has(rel);
  };
  if (head !== undefined) {
    attrs.set('dirtyRev', head + '-dirty');
    attrs.set('dirtyShortRev', head.slice(0, 7) + '-dirty');
  }
  attrs.set('lastModified', head === undefined ? 0 : commitTime(repo, 'HEAD'));
  return { root, filter, attrs, dirty: true };
}

/** A checkout of `rev` with its submodules (what `submodules = true` needs), without the .git entries. */
function checkoutWithSubmodules(repo: string, rev: string, tmp: string): Omit<GitTree, 'attrs'> {
  const out = join(tmp, 'checkout');
  runOk('git', ['clone', '-q', '--no-checkout', repo, out], gitEnv());
  git(out, ['checkout', '-q', rev]);
  git(out, ['-c', 'protocol.file.allow=always', 'submodule', '-q', 'update', '--init', '--recursive']);
  const filter: PathFilter = (p) => !p.endsWith('/.git');
  return { root: latin1(out), filter };
}
