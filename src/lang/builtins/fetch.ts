/**
 * Fetchers: `fetchurl`, `fetchTarball`, `fetchGit`, `fetchTree` (upstream primops/fetchTree.cc),
 * plus `fetchMercurial`, `fetchClosure` and the flake helpers, which are not supported.
 * This module checks and converts the arguments as upstream does and builds the result
 * (a store path string, or upstream `emitTreeAttrs`'s set); the fetching itself is the
 * host's (`EvalHost.fetch`). Without a host fetcher they report that fetching is unavailable.
 */

import { coerceToString } from '../eval/coerce.ts';
import { EvalError, EvalIOError, NixTypeError } from '../eval/errors.ts';
import { forceAttrs, forceStringNoCtx } from '../eval/force.ts';
import { S } from '../eval/state.ts';
import { Hash, parseHash } from '../../hash/hash.ts';
import { checkStorePathName } from '../../store/store-path.ts';
import type { FetchResult } from '../host.ts';
import { FlakeRefError, flakeRefToString, parseFlakeRef, type FlakeAttrs } from '../lib/flakeref.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { Attrs, force, NixPath, NixStr, showType, strOf, typeOf, type Value } from '../value/value.ts';
import { io } from './fs.ts';
import { prim, type BuiltinSpec } from './registry.ts';

function flakeError(e: unknown): unknown {
  return e instanceof FlakeRefError ? new EvalError(e.message) : e;
}

/** `builtins.parseFlakeRef`: the attributes of a flake reference string. */
function primParseFlakeRef(_pos: unknown, a: Value): Value {
  const url = forceStringNoCtx(a, undefined, 'while evaluating the argument passed to builtins.parseFlakeRef');
  let attrs: FlakeAttrs;
  try {
    attrs = parseFlakeRef(url);
  } catch (e) {
    throw flakeError(e);
  }
  const b = new AttrsBuilder();
  for (const [k, v] of attrs) b.add(k, v);
  return b.finish();
}

/** `builtins.flakeRefToString`: ints (non-negative), Booleans and strings only. */
function primFlakeRefToString(_pos: unknown, a: Value): Value {
  const set = forceAttrs(a, undefined, 'while evaluating the argument passed to builtins.flakeRefToString');
  const attrs: FlakeAttrs = new Map();
  for (let i = 0; i < set.size; i++) {
    const name = set.keys[i]!;
    const v = force(set.vals[i]!, set.shape.pos[i]);
    const t = typeOf(v);
    if (t === 'int') {
      if ((v as number | bigint) < 0) throw new EvalError(`negative value given for flake ref attr ${name}: ${String(v)}`);
      attrs.set(name, v as number | bigint);
    } else if (t === 'bool') attrs.set(name, v as boolean);
    else if (t === 'string') attrs.set(name, strOf(v as string));
    else {
      throw new EvalError(`flake reference attribute sets may only contain integers, Booleans, and strings, but attribute '${name}' is ${showType(v)}`);
    }
  }
  try {
    return flakeRefToString(attrs);
  } catch (e) {
    throw flakeError(e);
  }
}

function unavailable(name: string): (pos: unknown, a: Value) => Value {
  return (_pos, a) => {
    force(a);
    throw new EvalError(`builtins.${name} is not supported by this evaluator yet`);
  };
}

function hostFetch(kind: 'url' | 'tarball' | 'git' | 'tree', args: Map<string, unknown>, who: string): FetchResult {
  const host = S().host;
  if (host.fetch === undefined) throw new EvalIOError(`'${who}' is not available: this evaluation cannot fetch`);
  const fetch = host.fetch.bind(host);
  return io(() => fetch(kind, args));
}

function storeString(p: string): NixStr {
  return new NixStr(p, new Set([p]));
}

/** Upstream `baseNameOf` on a URL: the last component, ignoring one trailing slash. */
function baseNameOf(s: string): string {
  const end = s.endsWith('/') ? s.length - 1 : s.length;
  return s.slice(s.lastIndexOf('/', end - 1) + 1, end);
}

/** Upstream `newHashAllowEmpty` for sha256: "" means the all-zero hash, with a warning. */
function sha256Arg(s: string): Hash {
  if (s === '') {
    const h = new Hash('sha256', new Uint8Array(32));
    S().host.log(`warning: found empty hash, assuming '${h.toString('sri')}'`);
    return h;
  }
  try {
    return parseHash(s, 'sha256');
  } catch (e) {
    throw new EvalError((e as Error).message);
  }
}

/** Upstream `fetch()`: `fetchurl` and `fetchTarball`. */
function fetchUrlLike(a: Value, who: 'fetchurl' | 'fetchTarball'): Value {
  const v = force(a);
  let url: string | undefined;
  let hash: Hash | undefined;
  let name = who === 'fetchTarball' ? 'source' : '';
  let nameAttr = false;
  const isAttrs = v instanceof Attrs;
  if (isAttrs) {
    const args = forceAttrs(v, undefined, `while evaluating the argument passed to '${who}'`);
    for (let i = 0; i < args.size; i++) {
      const n = args.keys[i]!;
      const av = args.vals[i]!;
      const apos = args.shape.pos[i];
      if (n === 'url') url = forceStringNoCtx(av, apos, 'while evaluating the url we should fetch');
      else if (n === 'sha256') hash = sha256Arg(forceStringNoCtx(av, apos, 'while evaluating the sha256 of the content we should fetch'));
      else if (n === 'name') {
        nameAttr = true;
        name = forceStringNoCtx(av, apos, 'while evaluating the name of the content we should fetch');
      } else throw new EvalError(`unsupported argument '${n}' to '${who}'`);
    }
    if (url === undefined) throw new EvalError("'url' argument required");
  } else url = forceStringNoCtx(v, undefined, 'while evaluating the url we should fetch');
  if (who === 'fetchTarball' && url.startsWith('channel:')) url = `https://channels.nixos.org/${url.slice(8)}/nixexprs.tar.xz`;
  if (name === '') name = baseNameOf(url);
  const bad = checkStorePathName(name);
  if (bad !== undefined) {
    const fix = nameAttr
      ? `Please change the value for the 'name' attribute passed to '${who}', so that it can create a valid store path.`
      : isAttrs
        ? `Please add a valid 'name' attribute to the argument for '${who}', so that it can create a valid store path.`
        : `Please pass an attribute set with 'url' and 'name' attributes to '${who}',  so that it can create a valid store path.`;
    throw new EvalError(`invalid store path name when fetching URL '${url}': ${bad}. ${fix}`);
  }
  if (S().settings.pureEval && hash === undefined) throw new EvalError(`in pure evaluation mode, '${who}' requires a 'sha256' argument`);
  const args = new Map<string, unknown>([
    ['url', url],
    ['name', name],
  ]);
  if (hash !== undefined) args.set('sha256', hash.toString('base16', false));
  return storeString(hostFetch(who === 'fetchurl' ? 'url' : 'tarball', args, who).storePath);
}

const RIGHT_QUOTE = '\xe2\x80\x99'; // ’ in UTF-8 bytes, as upstream's message has it

/** `fetchTree URL` with the flakes feature: the URL forms tix can fetch. */
function inputFromUrl(url: string): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (url.startsWith('git+')) return m.set('type', 'git').set('url', url.slice(4));
  if (url.startsWith('path:')) return m.set('type', 'path').set('path', url.slice(5));
  if (url.startsWith('tarball+')) return m.set('type', 'tarball').set('url', url.slice(8));
  if (url.startsWith('file+')) return m.set('type', 'file').set('url', url.slice(5));
  if (/^(file|https?):\/\//.test(url)) {
    const isArchive = /\.(zip|tar|tgz|tar\.gz|tar\.xz|tar\.bz2|tar\.zst)$/.test(url.replace(/[?#].*$/, ''));
    return m.set('type', isArchive ? 'tarball' : 'file').set('url', url);
  }
  if (url.startsWith('/')) return m.set('type', 'path').set('path', url);
  throw new EvalError(`tix: cannot fetch the input '${url}' (supported: git+file:, path:, file:, http(s): URLs)`);
}

/** Upstream `fetchTree()` for `fetchTree` and `fetchGit`. */
function fetchTreeLike(a: Value, isFetchGit: boolean): Value {
  const who = isFetchGit ? 'fetchGit' : 'fetchTree';
  const v = force(a);
  let input: Map<string, unknown>;
  const isAttrs = v instanceof Attrs;
  if (isAttrs) {
    const args = forceAttrs(v, undefined, `while evaluating the argument passed to '${who}'`);
    input = new Map();
    const ti = args.keys.indexOf('type');
    if (ti >= 0) {
      if (isFetchGit) throw new EvalError("unexpected argument 'type'");
      input.set('type', forceStringNoCtx(args.vals[ti]!, args.shape.pos[ti], `while evaluating the \`type\` argument passed to '${who}'`));
    } else if (!isFetchGit) throw new EvalError(`argument 'type' is missing in call to '${who}'`);
    else input.set('type', 'git');
    for (let i = 0; i < args.size; i++) {
      const n = args.keys[i]!;
      if (n === 'type') continue;
      const av = force(args.vals[i]!);
      if (typeof av === 'string' || av instanceof NixStr || av instanceof NixPath) {
        input.set(n, coerceToString(args.shape.pos[i], av, new Set(), '', false, false));
      } else if (typeof av === 'boolean') input.set(n, av);
      else if (typeof av === 'number' || typeof av === 'bigint') {
        if (av < 0) throw new EvalError(`negative value given for '${who}' argument '${n}': ${av}`);
        input.set(n, Number(av));
      } else throw new NixTypeError(`argument '${n}' to '${who}' is ${showType(av)} while a string, Boolean or integer is expected`);
    }
    // fetchTree fetches git repositories shallowly unless told otherwise (upstream).
    if (input.get('type') === 'git' && !isFetchGit && !input.has('shallow')) input.set('shallow', true);
    if (!isFetchGit && input.has('name')) throw new EvalError(`argument 'name' isn${RIGHT_QUOTE}t supported in call to '${who}'`);
  } else {
    const url = coerceToString(undefined, v, new Set(), `while evaluating the first argument passed to '${who}'`, false, false);
    if (isFetchGit) input = new Map<string, unknown>([['type', 'git'], ['url', url]]);
    else {
      const xp = S().settings.experimentalFeatures;
      if (!xp.has('flakes')) throw new EvalError(`passing a string argument to '${who}' requires the 'flakes' experimental feature`);
      input = inputFromUrl(url);
    }
  }
  if (S().settings.pureEval && !input.has('rev') && !input.has('narHash')) {
    throw new EvalError(`in pure evaluation mode, '${who}' doesn${RIGHT_QUOTE}t fetch unlocked input '${String(input.get('url') ?? input.get('path'))}'`);
  }
  const r = hostFetch(isFetchGit ? 'git' : 'tree', input, who);
  return emitTreeAttrs(r, input.get('type') === 'git', isFetchGit);
}

/** `%Y%m%d%H%M%S` in UTC, as upstream prints `lastModifiedDate`. */
function utcStamp(secs: number): string {
  const d = new Date(secs * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Upstream `emitTreeAttrs`: the set fetchTree/fetchGit return. */
function emitTreeAttrs(r: FetchResult, isGit: boolean, emptyRevFallback: boolean): Value {
  const attrs = r.attrs ?? new Map<string, string | number | boolean>();
  const b = new AttrsBuilder();
  b.add('outPath', storeString(r.storePath));
  const narHash = attrs.get('narHash');
  if (narHash !== undefined) b.add('narHash', narHash);
  if (isGit) b.add('submodules', attrs.get('submodules') === true);
  const rev = attrs.get('rev');
  if (typeof rev === 'string') {
    b.add('rev', rev);
    b.add('shortRev', rev.slice(0, 7));
  } else if (emptyRevFallback) {
    b.add('rev', '0'.repeat(40));
    b.add('shortRev', '0'.repeat(7));
  }
  const revCount = attrs.get('revCount');
  if (typeof revCount === 'number') b.add('revCount', revCount);
  else if (emptyRevFallback) b.add('revCount', 0);
  const dirtyRev = attrs.get('dirtyRev');
  if (typeof dirtyRev === 'string') {
    b.add('dirtyRev', dirtyRev);
    b.add('dirtyShortRev', attrs.get('dirtyShortRev') ?? '');
  }
  const lastModified = attrs.get('lastModified');
  if (typeof lastModified === 'number') {
    b.add('lastModified', lastModified);
    b.add('lastModifiedDate', utcStamp(lastModified));
  }
  return b.finish();
}

export const fetchBuiltins: BuiltinSpec[] = [
  prim('__fetchurl', 1, 'Download a file into the store.', (_pos, a: Value) => fetchUrlLike(a, 'fetchurl')),
  prim('fetchTarball', 1, 'Download and unpack a tarball into the store.', (_pos, a: Value) => fetchUrlLike(a, 'fetchTarball')),
  prim('fetchGit', 1, 'Fetch a git repository into the store.', (_pos, a: Value) => fetchTreeLike(a, true)),
  prim('fetchMercurial', 1, 'Fetch a Mercurial repository into the store.', unavailable('fetchMercurial')),
  prim('fetchTree', 1, 'Fetch a source tree (generic fetcher).', (_pos, a: Value) => fetchTreeLike(a, false), { feature: 'fetch-tree' }),
  prim('__fetchClosure', 1, 'Fetch a store path closure from a binary cache.', unavailable('fetchClosure'), { feature: 'fetch-closure' }),
  prim('__getFlake', 1, 'Evaluate a flake.', unavailable('getFlake'), { feature: 'flakes' }),
  prim('__parseFlakeRef', 1, 'Parse a flake reference into attributes.', primParseFlakeRef, { feature: 'flakes' }),
  prim('__flakeRefToString', 1, 'Turn flake reference attributes into a string.', primFlakeRefToString, { feature: 'flakes' }),
];
