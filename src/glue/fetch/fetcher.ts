/**
 * The host side of `fetchurl`, `fetchTarball`, `fetchGit` and `fetchTree` (upstream
 * libfetchers as the evaluator drives it): download or export into a private temporary
 * directory, compute the store path exactly as Nix does (flat sha256 for files, NAR sha256
 * for trees), record a 'source' write so that the evaluation's store flush adds it, and
 * remember where the files really are, so that reading below the (not yet written) store
 * path during the same evaluation works. Results are cached per evaluation by arguments.
 *
 * Arguments arrive already parsed by src/lang/builtins/fetch.ts; `sha256` is base16.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashBytes } from '../../hash/digest.ts';
import { Hash, parseHash } from '../../hash/hash.ts';
import { HostError, type FetchResult } from '../../lang/host.ts';
import { StoreDir } from '../../store/store-dir.ts';
import { latin1, utf8 } from '../latin1.ts';
import { hashPathSync, type PathFilter } from '../sync-nar.ts';
import type { StoreWrites } from '../store-writes.ts';
import { downloadToFile } from './download.ts';
import { fetchGit, localRepoPath, type GitRequest } from './git.ts';
import { newestMtime, pathInputAttrs, TREE_ATTRS } from './tree-input.ts';
import { unpackArchive } from './unpack.ts';

export type FetchKind = 'url' | 'tarball' | 'git' | 'tree';
type Attrs = ReadonlyMap<string, unknown>;
type Out = Map<string, string | number | boolean>;


function str(a: Attrs, k: string): string | undefined {
  const v = a.get(k);
  return typeof v === 'string' ? v : undefined;
}
function bool(a: Attrs, k: string): boolean | undefined {
  const v = a.get(k);
  return typeof v === 'boolean' ? v : undefined;
}

export class Fetchers {
  readonly #store: StoreDir;
  readonly #writes: StoreWrites | undefined;
  readonly #log: (line: string) => void;
  /** Logical store path → where its files are (latin1). */
  readonly #real = new Map<string, string>();
  readonly #cache = new Map<string, FetchResult>();
  #tmp: string | undefined;
  #n = 0;

  constructor(store: StoreDir, writes: StoreWrites | undefined, log: (line: string) => void) {
    this.#store = store;
    this.#writes = writes;
    this.#log = log;
  }

  /** Where a fetched store path's files really are, if this evaluation fetched it. */
  realLocation(storePath: string): string | undefined {
    return this.#real.get(storePath);
  }

  /** Remove the temporary files (after the store writes were flushed). */
  dispose(): void {
    if (this.#tmp !== undefined) rmSync(this.#tmp, { recursive: true, force: true });
    this.#tmp = undefined;
  }

  /** A fresh directory for one fetch. */
  #scratch(): string {
    if (this.#tmp === undefined) {
      this.#tmp = mkdtempSync(join(tmpdir(), 'tix-fetch-'));
      const dir = this.#tmp;
      // The store flush needs these files after evaluation; the process exit is the backstop.
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
    const d = join(this.#tmp, String(this.#n++));
    mkdirSync(d);
    return d;
  }

  fetch(kind: FetchKind, args: Attrs): FetchResult {
    const key = kind + JSON.stringify([...args].sort());
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const r = this.#fetch(kind, args);
    this.#cache.set(key, r);
    return r;
  }

  #fetch(kind: FetchKind, args: Attrs): FetchResult {
    const url = str(args, 'url');
    if (kind === 'url') return this.#file(url!, str(args, 'name')!, str(args, 'sha256'));
    if (kind === 'tarball') return this.#tarball(url!, str(args, 'name')!, str(args, 'sha256'), undefined);
    if (kind === 'git') return this.#git(args);
    const type = str(args, 'type');
    const allowed = TREE_ATTRS[type ?? ''];
    if (allowed === undefined) throw new HostError(`input type '${type}' is not supported by tix's fetchTree (supported: file, tarball, git, path)`, 'E_FETCH_UNSUPPORTED');
    for (const k of args.keys()) if (k !== 'type' && !allowed.includes(k)) throw new HostError(`unsupported ${type === 'git' ? 'Git' : type} input attribute '${k}'`, 'E_FETCH_ATTR');
    const narHash = str(args, 'narHash');
    if (type === 'git') return this.#git(args);
    if (type === 'path') return this.#path(args);
    if (url === undefined) throw new HostError(`attribute 'url' is missing in ${type} input`, 'E_FETCH_ATTR');
    if (type === 'tarball') return this.#tarball(url, 'source', undefined, narHash);
    return this.#fileTree(url, narHash);
  }

  /** Record a store path made from `src`, and remember where its files are. */
  #add(name: string, src: string, method: 'flat' | 'nar', hash: Hash, filter?: PathFilter): string {
    let path: string;
    try {
      path = this.#store.printPath(this.#store.makeFixedOutputPath(name, method, hash));
    } catch (e) {
      throw new HostError((e as Error).message, 'E_FETCH_NAME');
    }
    this.#real.set(path, src);
    this.#writes?.record({ kind: 'source', path, name, src, method, hashAlgo: 'sha256', caHash: hash, filter });
    return path;
  }

  /** `builtins.fetchurl`: the file as a flat fixed-output path. */
  #file(url: string, name: string, sha256: string | undefined): FetchResult {
    const dest = join(this.#scratch(), 'download');
    downloadToFile(url, dest);
    const hash = hashBytes('sha256', readFileSync(dest));
    if (sha256 !== undefined && sha256 !== hash.toString('base16', false)) {
      const want = parseHash(sha256, 'sha256');
      throw new HostError(`hash mismatch in file downloaded from '${url}':\n  specified: ${want.toString('nix32', true)}\n  got:       ${hash.toString('nix32', true)}`, 'E_FETCH_HASH');
    }
    return { storePath: this.#add(name, latin1(dest), 'flat', hash) };
  }

  /** `fetchTree { type = "file"; }`: upstream adds the file as a NAR (Nix 2.8 added it flat). */
  #fileTree(url: string, narHash: string | undefined): FetchResult {
    const dest = join(this.#scratch(), 'download');
    downloadToFile(url, dest);
    return this.#tree('source', latin1(dest), narHash, url, new Map());
  }

  /** `fetchTarball` and `fetchTree { type = "tarball"; }`. */
  #tarball(url: string, name: string, sha256: string | undefined, narHash: string | undefined): FetchResult {
    const dir = this.#scratch();
    const file = join(dir, 'download');
    downloadToFile(url, file);
    const out = join(dir, 'unpacked');
    mkdirSync(out);
    const u = unpackArchive(file, out, url);
    const expected = narHash ?? (sha256 === undefined ? undefined : parseHash(sha256, 'sha256').toString('sri'));
    const attrs: Out = new Map([['lastModified', u.lastModified]]);
    return this.#tree(name, latin1(u.root), expected, url, attrs);
  }

  /** Hash a tree as a NAR, check an expected `narHash`, record it. */
  #tree(name: string, root: string, narHash: string | undefined, what: string, attrs: Out, filter?: PathFilter): FetchResult {
    const hash = hashPathSync(root, 'sha256', filter).hash;
    if (narHash !== undefined) {
      let want: Hash;
      try {
        want = parseHash(narHash);
      } catch (e) {
        throw new HostError((e as Error).message, 'E_FETCH_HASH');
      }
      if (!want.equals(hash)) {
        const input = `${what}?narHash=${encodeURIComponent(want.toString('sri'))}`;
        throw new HostError(`NAR hash mismatch in input '${input}', expected '${want.toString('sri')}' but got '${hash.toString('sri')}'`, 'E_FETCH_HASH');
      }
    }
    const storePath = this.#add(name, root, 'nar', hash, filter);
    attrs.set('narHash', hash.toString('sri'));
    return { storePath, attrs };
  }

  #git(args: Attrs): FetchResult {
    const url = str(args, 'url');
    if (url === undefined) throw new HostError("attribute 'url' is missing in Git input", 'E_FETCH_ATTR');
    const req: GitRequest = { url, ref: str(args, 'ref'), rev: str(args, 'rev'), shallow: bool(args, 'shallow'), submodules: bool(args, 'submodules'), allRefs: bool(args, 'allRefs') };
    const t = fetchGit({ ...req, url: utf8(url) }, this.#scratch());
    if (t.dirty) this.#log(`warning: Git tree '${localRepoPath(url)}' is dirty`);
    return this.#tree(str(args, 'name') ?? 'source', t.root, str(args, 'narHash'), url, t.attrs, t.filter);
  }

  /** `fetchTree { type = "path"; path = …; }`: the directory as it is, lastModified its newest mtime. */
  #path(args: Attrs): FetchResult {
    const path = pathInputAttrs(args);
    const attrs: Out = new Map([['lastModified', newestMtime(path)]]);
    for (const k of ['rev', 'revCount'] as const) if (args.has(k)) attrs.set(k, args.get(k) as string | number);
    return this.#tree('source', path, str(args, 'narHash'), `path:${path}`, attrs);
  }
}
