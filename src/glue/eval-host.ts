/**
 * The real EvalHost: the filesystem through node:fs, the environment and clock of the
 * process, and the store *computed* exactly as Nix computes it — NAR hashes of sources,
 * fixed-output and text paths, derivation output paths and `.drv` paths — without writing
 * anything (what `nix-instantiate --eval` needs; it runs read-only). Derivations made in
 * this run are kept in memory so that derivations depending on them can be hashed (upstream
 * keeps the same `drvHashes` cache in read-only mode). `addToStore`/`writeDerivation` are the
 * seam a store integration fills in to also write.
 */

import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeSync } from 'node:fs';
import { parseHashAlgo, type HashAlgo } from '../hash/algo.ts';
import { hashBytes } from '../hash/digest.ts';
import { Hash, parseHashUnprefixed } from '../hash/hash.ts';
import { parseDerivationText } from '../store/drv/aterm-parse.ts';
import type { Derivation, DerivationOutput } from '../store/drv/derivation.ts';
import { makeDrvHashLookup, type DrvHashModulo } from '../store/drv/hash-modulo.ts';
import { derivationReferences } from '../store/drv/output-paths.ts';
import { instantiateDerivation, type InstantiatedDerivation } from '../store/drv/instantiate.ts';
import { StoreDir } from '../store/store-dir.ts';
import { StorePath } from '../store/store-path.ts';
import type { ContentAddressMethod } from '../store/content-address.ts';
import { HostError, type AddToStoreRequest, type AddToStoreResult, type DerivationRequest, type DerivationResult, type EvalHost, type FetchResult, type FileType } from '../lang/host.ts';
import { latin1 } from './latin1.ts';
import { fsPath, hashPathSync } from './sync-nar.ts';
import type { StoreWrites } from './store-writes.ts';
import { Fetchers, type FetchKind } from './fetch/fetcher.ts';

export interface NodeEvalHostOptions {
  /** Search path entries (`-I` first, then NIX_PATH), raw. */
  readonly nixPath: readonly string[];
  readonly storeDir?: string;
  /** `builtins.currentSystem` (default from the platform, e.g. x86_64-linux). */
  readonly system?: string;
  /** Where diagnostic lines go (default: stderr). */
  readonly log?: (line: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory (default: the process's). */
  readonly cwd?: string;
  /** Record what evaluation puts into the store here, to be written afterwards (nix-instantiate, tix build). */
  readonly writes?: StoreWrites;
  /**
   * Where the store's files really are when that differs from `storeDir` (a chroot store,
   * `--store DIR`): reads below `storeDir` go there. Unset: no mapping.
   */
  readonly realStoreDir?: string;
}

function typeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): FileType {
  return st.isFile() ? 'regular' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'unknown';
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

export function defaultSystem(): string {
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch === 'ia32' ? 'i686' : process.arch;
  return `${arch}-${process.platform}`;
}

export class NodeEvalHost implements EvalHost {
  readonly storeDir: string;
  readonly currentSystem: string;
  readonly nixPath: readonly string[];
  readonly home: string | undefined;
  readonly cwd: string;
  readonly #store: StoreDir;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #log: (line: string) => void;
  #time: number | undefined;
  /** Derivations read in this run, by store path base name. */
  readonly #drvs = new Map<string, Derivation>();
  /** The `.drv` text of derivations made in this run, by base name (parsed into #drvs when read). */
  readonly #madeTexts = new Map<string, string>();
  /** References of text paths computed in this run (for closures of `=…drv` context). */
  readonly #refs = new Map<string, string[]>();
  /** Modulo hashes of derivations, by base name: the lookup's memo, given the hashes of derivations made in this run. */
  readonly #drvHashes = new Map<string, DrvHashModulo>();
  readonly #hashLookup;
  readonly #writes: StoreWrites | undefined;
  readonly #realStoreDir: string | undefined;
  /** Created on the first fetch: most evaluations fetch nothing, and the fetchers' modules (git, downloads, unpacking) cost start-up time. */
  #fetchers: Fetchers | undefined;

  constructor(opts: NodeEvalHostOptions) {
    this.#env = opts.env ?? process.env;
    this.storeDir = opts.storeDir ?? this.#env['NIX_STORE_DIR'] ?? '/nix/store';
    this.#store = new StoreDir(this.storeDir);
    this.currentSystem = opts.system ?? defaultSystem();
    this.nixPath = opts.nixPath;
    this.home = this.#env['HOME'];
    this.cwd = opts.cwd ?? latin1(process.cwd());
    this.#log = opts.log ?? ((line) => writeSync(2, Buffer.from(line + '\n', 'latin1')));
    this.#writes = opts.writes;
    this.#hashLookup = makeDrvHashLookup((p) => this.#readDerivation(p), this.#store, this.#drvHashes);
    this.#realStoreDir = opts.realStoreDir === undefined || opts.realStoreDir === this.storeDir ? undefined : latin1(opts.realStoreDir);
  }

  /**
   * Where a (latin1) path's bytes really are: below a path fetched in this run, its
   * temporary copy; below the store dir of a chroot store, the real store dir.
   */
  #fs(path: string): Buffer {
    const dir = this.storeDir;
    if (path.length > dir.length + 1 && path.startsWith(dir) && path[dir.length] === '/') {
      const slash = path.indexOf('/', dir.length + 1);
      const top = slash < 0 ? path : path.slice(0, slash);
      const rest = slash < 0 ? '' : path.slice(slash);
      const fetched = this.#fetchers?.realLocation(top);
      if (fetched !== undefined) return fsPath(fetched + rest);
      if (this.#realStoreDir !== undefined) return fsPath(this.#realStoreDir + path.slice(dir.length));
    }
    return fsPath(path);
  }

  fetch(kind: FetchKind, args: ReadonlyMap<string, unknown>): FetchResult {
    if (this.#fetchers === undefined) {
      this.#fetchers = new Fetchers(this.#store, this.#writes, (line) => this.#log(line));
    }
    return this.#fetchers.fetch(kind, args);
  }

  /** Remove the fetchers' temporary files; call after the store writes were flushed. */
  dispose(): void {
    this.#fetchers?.dispose();
  }

  readFile(path: string): string {
    try {
      return readFileSync(this.#fs(path)).toString('latin1');
    } catch (e) {
      if (code(e) === 'ENOENT') throw new HostError(`path '${path}' does not exist`);
      if (code(e) === 'EISDIR') throw new HostError(`file '${path}' is not a regular file`);
      throw new HostError(`opening file '${path}': ${(e as Error).message}`);
    }
  }

  lstat(path: string): FileType | undefined {
    try {
      return typeOf(lstatSync(this.#fs(path)));
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return undefined;
      throw new HostError(`getting status of '${path}': ${(e as Error).message}`);
    }
  }

  stat(path: string): FileType | undefined {
    try {
      return typeOf(statSync(this.#fs(path)));
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR' || code(e) === 'ELOOP') return undefined;
      throw new HostError(`getting status of '${path}': ${(e as Error).message}`);
    }
  }

  readDir(path: string): [string, FileType][] {
    try {
      return readdirSync(this.#fs(path), { withFileTypes: true, encoding: 'buffer' }).map((d) => [d.name.toString('latin1'), typeOf(d)]);
    } catch (e) {
      if (code(e) === 'ENOENT') throw new HostError(`path '${path}' does not exist`);
      if (code(e) === 'ENOTDIR') throw new HostError(`'${path}' is not a directory`);
      throw new HostError(`reading directory '${path}': ${(e as Error).message}`);
    }
  }

  readLink(path: string): string {
    return readlinkSync(this.#fs(path), { encoding: 'buffer' }).toString('latin1');
  }

  resolveSymlinks(path: string, ancestorsOnly = false): string {
    let todo = path.split('/').filter((c) => c !== '' && c !== '.');
    let done: string[] = [];
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift()!;
      if (c === '..') {
        done.pop();
        continue;
      }
      done.push(c);
      if (ancestorsOnly && todo.length === 0) break;
      const cur = '/' + done.join('/');
      let isLink = false;
      try {
        isLink = lstatSync(this.#fs(cur)).isSymbolicLink();
      } catch {
        // the rest does not exist: keep it as it is
        return '/' + [...done, ...todo].join('/');
      }
      if (!isLink) continue;
      if (++hops > 1024) throw new HostError(`infinite symlink recursion in path '${path}'`);
      const target = this.readLink(cur);
      done.pop();
      if (target.startsWith('/')) done = [];
      todo = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...todo];
    }
    return '/' + done.join('/');
  }

  getEnv(name: string): string | undefined {
    const v = this.#env[name];
    return v === undefined ? undefined : latin1(v);
  }

  currentTime(): number {
    return (this.#time ??= Math.floor(Date.now() / 1000));
  }

  log(line: string): void {
    this.#log(line);
  }

  addToStore(req: AddToStoreRequest): AddToStoreResult {
    const src = req.source;
    if (src.kind === 'text') {
      const hash = hashBytes('sha256', Buffer.from(src.contents, 'latin1'));
      const refs = (req.references ?? []).map((r) => this.#store.parsePath(r));
      const p = this.#store.printPath(this.#store.makeTextPath(req.name, hash, refs));
      this.#refs.set(p, [...(req.references ?? [])]);
      this.#writes?.record({ kind: 'text', path: p, name: req.name, contents: Buffer.from(src.contents, 'latin1'), references: req.references ?? [] });
      return { path: p, hash: hash.toString('base16', false) };
    }
    if (this.lstat(src.path) === undefined) throw new HostError(`path '${src.path}' does not exist`);
    const algo: HashAlgo = req.hashAlgo ?? 'sha256';
    let hash: Hash;
    if (req.method === 'flat') {
      const st = statSync(this.#fs(src.path));
      if (!st.isFile()) throw new HostError(`file '${src.path}' is not a regular file`);
      hash = hashBytes(algo, readFileSync(this.#fs(src.path)));
    } else {
      // A path below a fetched or chroot store path is read where it really is (the filter then sees those paths).
      hash = hashPathSync(this.#fs(src.path).toString('latin1'), algo, src.filter).hash;
    }
    if (req.expectedHash !== undefined && req.expectedHash !== hash.toString('base16', false)) {
      throw new HostError(`store path mismatch in (possibly filtered) path added from '${src.path}'`);
    }
    const method = req.method === 'flat' ? 'flat' : 'nar';
    const p = this.#store.printPath(this.#store.makeFixedOutputPath(req.name, method, hash));
    this.#writes?.record({ kind: 'source', path: p, name: req.name, src: this.#fs(src.path).toString('latin1'), method, hashAlgo: algo, caHash: hash, filter: src.filter });
    return { path: p, hash: hash.toString('base16', false) };
  }

  #readDerivation(p: StorePath): Derivation {
    const known = this.#drvs.get(p.baseName);
    if (known) return known;
    const text = this.#madeTexts.get(p.baseName) ?? readFileSync(this.#fs(this.#store.printPath(p))).toString('latin1');
    const drv = parseDerivationText(text, { storeDir: this.#store, name: p.name.slice(0, -4) });
    this.#drvs.set(p.baseName, drv);
    return drv;
  }

  /** The closure of a store path's references (derivations: inputs; text paths: their references). */
  #closure(root: string, out: Set<string>): void {
    const stack = [root];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (out.has(p)) continue;
      out.add(p);
      if (p.endsWith('.drv')) {
        const drv = this.#readDerivation(this.#store.parsePath(p));
        for (const r of derivationReferences(drv)) stack.push(this.#store.printPath(r));
      } else for (const r of this.#refs.get(p) ?? []) stack.push(r);
    }
  }

  writeDerivation(req: DerivationRequest): DerivationResult {
    const store = this.#store;
    const inputSrcs = new Map<string, StorePath>();
    const inputDrvs = new Map<string, Set<string>>();
    const addDrvOutput = (drvPath: string, out: string): void => {
      let s = inputDrvs.get(drvPath);
      if (!s) inputDrvs.set(drvPath, (s = new Set()));
      s.add(out);
    };
    for (const c of req.context) {
      if (c.startsWith('=')) {
        const closure = new Set<string>();
        this.#closure(c.slice(1), closure);
        for (const j of closure) {
          inputSrcs.set(j, store.parsePath(j));
          if (j.endsWith('.drv')) for (const o of this.#readDerivation(store.parsePath(j)).outputs.keys()) addDrvOutput(j, o);
        }
      } else if (c.startsWith('!')) {
        const k = c.indexOf('!', 1);
        addDrvOutput(c.slice(k + 1), c.slice(1, k));
      } else inputSrcs.set(c, store.parsePath(c));
    }
    const outputs = new Map<string, DerivationOutput>();
    const spec = req.spec;
    for (const o of req.outputs) {
      if (spec.kind === 'fixed') {
        const algo = parseHashAlgo(spec.hashAlgo ?? 'sha256');
        const hash = spec.hash === '' ? new Hash(algo, new Uint8Array(hashBytes(algo, '').bytes.length)) : parseHashUnprefixed(spec.hash, algo);
        outputs.set(o, { type: 'caFixed', method: spec.method as ContentAddressMethod, hash });
      } else if (spec.kind === 'floating') outputs.set(o, { type: 'caFloating', method: spec.method as ContentAddressMethod, hashAlgo: parseHashAlgo(spec.hashAlgo) });
      else if (spec.kind === 'impure') outputs.set(o, { type: 'impure', method: spec.method as ContentAddressMethod, hashAlgo: parseHashAlgo(spec.hashAlgo) });
      else outputs.set(o, { type: 'deferred' });
    }
    // fillInOutputPaths copies the environment anyway: no copy here unless it changes.
    const env = req.structuredAttrs === undefined ? req.env : new Map(req.env).set('__json', req.structuredAttrs);
    const drv0: Derivation = {
      name: req.name,
      outputs,
      inputDrvs: [...inputDrvs].map(([p, outs]) => ({ path: store.parsePath(p), outputs: [...outs].sort() })),
      inputSrcs: [...inputSrcs.values()],
      system: req.platform,
      builder: req.builder,
      args: req.args,
      env,
    };
    let made: InstantiatedDerivation;
    try {
      made = instantiateDerivation(drv0, this.#hashLookup, store);
    } catch (e) {
      throw new HostError((e as Error).message);
    }
    const drvPath = made.path;
    // Kept as text: only a `=…drv` context (its closure) ever reads it back; hashes come from #drvHashes.
    this.#madeTexts.set(drvPath.baseName, made.text);
    this.#drvHashes.set(drvPath.baseName, made.modulo);
    if (this.#writes) {
      const refs = derivationReferences(drv0).map((r) => store.printPath(r));
      this.#writes.record({ kind: 'text', path: store.printPath(drvPath), name: drvPath.name, contents: Buffer.from(made.text, 'latin1'), references: refs });
    }
    return { drvPath: store.printPath(drvPath), outputs: made.outputs };
  }
}
