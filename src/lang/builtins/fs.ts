/**
 * Filesystem and store builtins: `import`, `scopedImport`, `readFile`, `readDir`,
 * `readFileType`, `pathExists`, `hashFile`, `findFile`, `toPath`, `storePath`, `path`,
 * `filterSource`, `toFile`. Every access goes through the EvalHost; host failures become
 * evaluation errors carrying the host's (upstream-worded) message.
 */

import { callFunction } from '../eval/call.ts';
import { coerceToPath, coerceToString } from '../eval/coerce.ts';
import { EvalError, EvalIOError, ThrownError } from '../eval/errors.ts';
import { forceAttrs, forceBool, forceFunction, forceList, forceString, forceStringNoCtx, tr } from '../eval/force.ts';
import { S } from '../eval/state.ts';
import { hashBytes } from '../../hash/digest.ts';
import { parseHash } from '../../hash/hash.ts';
import { HostError, type AddToStoreRequest, type FileType } from '../host.ts';
import { canonPath } from '../canon-path.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { NixPath, NixStr, Thunk, ctxOf, force, mkStr, strOf, type Value } from '../value/value.ts';
import { getAttrOrThrow } from './control.ts';
import { prim, type BuiltinSpec } from './registry.ts';
import { COREPKGS, COREPKGS_PREFIX } from './corepkgs.ts';
import { bytesOf, parseAlgo } from './string.ts';

/** Run a host call, turning its failures into evaluation errors. */
export function io<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof HostError) throw new EvalIOError(e.message);
    throw e;
  }
}

/**
 * Upstream `realisePath`: a path value or absolute path string (context realised — read-only
 * here), with symlinks resolved unless `resolve` is false.
 */
export function realisePath(v: Value, resolve = true): string {
  const internal = realiseInternal(v);
  if (internal !== undefined) return internal;
  const ctx = new Set<string>();
  const p = coerceToPath(undefined, v, ctx, 'while realising the context of a path');
  for (const c of ctx) {
    if (c.startsWith('!')) {
      const drv = c.slice(c.indexOf('!', 1) + 1);
      throw new EvalError(`cannot build '${drv}^${c.slice(1, c.indexOf('!', 1))}' during evaluation because the option 'allow-import-from-derivation' is disabled`).addTrace(
        undefined,
        `while realising the context of path '${p}'`,
      );
    }
  }
  return resolve ? io(() => S().host.resolveSymlinks(p)) : p;
}

/** `<nix/…>` paths are served by the evaluator itself. */
function realiseInternal(v: Value): string | undefined {
  const f = force(v);
  return f instanceof NixPath && COREPKGS.has(f.path) ? f.path : undefined;
}

/** Upstream `resolveExprPath`: follow a symlink chain, then a directory means its default.nix. */
export function resolveExprPath(path: string): string {
  if (COREPKGS.has(path)) return path;
  const host = S().host;
  for (let i = 0; i < 1024; i++) {
    const t = io(() => host.lstat(path));
    if (t !== 'symlink') break;
    const target = io(() => host.readLink(path));
    path = canonPath(target, path.slice(0, path.lastIndexOf('/')) || '/');
  }
  if (io(() => host.stat(path)) === 'directory') return path === '/' ? '/default.nix' : path + '/default.nix';
  return path;
}

/** `import path`: evaluate a file once per run (the result is cached by resolved path). */
export function importFile(path: string): Value {
  const st = S();
  const resolved = resolveExprPath(path);
  let t = st.fileCache.get(resolved);
  if (t === undefined) {
    t = new Thunk(() => {
      const file = st.parseFile(resolved);
      try {
        return st.evalParsed(file);
      } catch (e) {
        throw tr(e, undefined, `while evaluating the file '${resolved}':`);
      }
    });
    st.fileCache.set(resolved, t);
  }
  return force(t);
}

function scopedImport(scopeV: Value, pathV: Value): Value {
  const path = realisePath(pathV, false);
  const scope = forceAttrs(scopeV, undefined, 'while evaluating the first argument passed to builtins.scopedImport');
  const st = S();
  const file = st.parseFile(resolveExprPath(path), scope.keys);
  return st.evalParsed(file, scope);
}

const fileTypeNames: Record<FileType, string> = { regular: 'regular', directory: 'directory', symlink: 'symlink', unknown: 'unknown' };

function readDir(_pos: unknown, p: Value): Value {
  const path = realisePath(p);
  const host = S().host;
  const entries = io(() => host.readDir(path));
  const b = new AttrsBuilder();
  for (const [name, type] of entries) {
    if (type === 'unknown') {
      const child = path === '/' ? '/' + name : path + '/' + name;
      b.add(name, new Thunk(() => fileTypeNames[io(() => host.lstat(child)) ?? 'unknown']));
    } else b.add(name, fileTypeNames[type]);
  }
  return b.finish();
}

function readFile(_pos: unknown, p: Value): Value {
  const path = realisePath(p);
  const s = io(() => S().host.readFile(path));
  if (s.includes('\0')) throw new EvalError(`the contents of the file '${path}' cannot be represented as a Nix string`);
  return s;
}

function pathExists(_pos: unknown, p: Value): Value {
  const v = force(p);
  const sv = typeof v === 'string' ? v : v instanceof NixStr ? v.s : undefined;
  const mustBeDir = sv !== undefined && (sv.endsWith('/') || sv.endsWith('/.'));
  const path = realisePath(v, false);
  const host = S().host;
  const t = io(() => (mustBeDir ? host.stat(path) : host.lstat(host.resolveSymlinks(path, true))));
  return t !== undefined && (!mustBeDir || t === 'directory');
}

/** `<name>`: search the lookup path (upstream `EvalState::findFile`). */
function findFile(_pos: unknown, sp: Value, name: Value): Value {
  const list = forceList(sp, undefined, 'while evaluating the first argument passed to builtins.findFile');
  const elems: { prefix: string; path: string }[] = [];
  for (const e of list) {
    const a = forceAttrs(e, undefined, 'while evaluating an element of the list passed to builtins.findFile');
    const pv = a.get('prefix');
    const prefix = pv === undefined ? '' : forceStringNoCtx(pv, undefined, 'while evaluating the `prefix` attribute of an element of the list passed to builtins.findFile');
    const path = coerceToString(
      undefined,
      getAttrOrThrow(a, 'path', 'in an element of the __nixPath'),
      new Set(),
      'while evaluating the `path` attribute of an element of the list passed to builtins.findFile',
      false,
      false,
    );
    elems.push({ prefix, path });
  }
  const p = forceStringNoCtx(name, undefined, 'while evaluating the second argument passed to builtins.findFile');
  const host = S().host;
  for (const { prefix, path } of elems) {
    let suffix: string;
    if (prefix === '') suffix = p;
    else if (p === prefix) suffix = '';
    else if (p.startsWith(prefix + '/')) suffix = p.slice(prefix.length + 1);
    else continue;
    if (path.includes('://') || path.startsWith('channel:') || path.startsWith('flake:')) continue;
    const base = canonPath(path, host.cwd);
    if (io(() => host.stat(base)) === undefined) continue;
    const full = suffix === '' ? base : canonPath(suffix, base);
    if (io(() => host.stat(full)) !== undefined) return new NixPath(full);
  }
  if (p.startsWith('nix/')) return new NixPath(COREPKGS_PREFIX + p.slice(4));
  throw new ThrownError(`file '${p}' was not found in the Nix search path (add it using $NIX_PATH or -I)`);
}

function toFile(_pos: unknown, n: Value, c: Value): Value {
  const name = forceStringNoCtx(n, undefined, 'while evaluating the first argument passed to builtins.toFile');
  const contents = forceString(c, undefined, 'while evaluating the second argument passed to builtins.toFile');
  const refs: string[] = [];
  for (const x of ctxOf(contents)) {
    if (x.startsWith('=') || x.startsWith('!')) throw new EvalError(`files created by builtins.toFile may not reference derivations, but ${name} references ${x}`);
    refs.push(x);
  }
  const r = io(() => S().host.addToStore({ source: { kind: 'text', contents: strOf(contents) }, name, method: 'text', references: refs.sort() }));
  return new NixStr(r.path, new Set([r.path]));
}

/** Upstream `addPath`, shared by `builtins.path` and `filterSource`. */
function addPath(name: string, path: string, filter: Value | undefined, recursive: boolean, expectedHash: string | undefined): Value {
  try {
    const req: AddToStoreRequest = {
      source: {
        kind: 'path',
        path,
        filter:
          filter === undefined
            ? undefined
            : (p: string, type: FileType) => forceBool(callFunction(filter, [p, fileTypeNames[type]], undefined), undefined, 'while evaluating the return value of the path filter function'),
      },
      name,
      method: recursive ? 'nar' : 'flat',
      expectedHash,
    };
    const r = io(() => S().host.addToStore(req));
    return new NixStr(r.path, new Set([r.path]));
  } catch (e) {
    throw tr(e, undefined, `while adding path '${path}'`);
  }
}

function builtinPath(_pos: unknown, a: Value): Value {
  const args = forceAttrs(a, undefined, "while evaluating the argument passed to 'builtins.path'");
  let path: string | undefined;
  let name = '';
  let filter: Value | undefined;
  let recursive = true;
  let expected: string | undefined;
  for (let i = 0; i < args.size; i++) {
    const n = args.keys[i]!;
    const v = args.vals[i]!;
    const apos = args.shape.pos[i];
    if (n === 'path') path = coerceToPath(apos, v, new Set(), "while evaluating the 'path' attribute passed to 'builtins.path'");
    else if (n === 'name') name = forceStringNoCtx(v, apos, 'while evaluating the `name` attribute passed to builtins.path');
    else if (n === 'filter') filter = forceFunction(v, apos, 'while evaluating the `filter` parameter passed to builtins.path');
    else if (n === 'recursive') recursive = forceBool(v, apos, 'while evaluating the `recursive` attribute passed to builtins.path');
    else if (n === 'sha256') {
      const h = forceStringNoCtx(v, apos, 'while evaluating the `sha256` attribute passed to builtins.path');
      try {
        expected = h === '' ? undefined : parseHash(h, 'sha256').toString('base16', false);
      } catch (e) {
        throw new EvalError((e as Error).message);
      }
    } else throw new EvalError(`unsupported argument '${n}' to 'builtins.path'`, apos);
  }
  if (path === undefined) throw new EvalError("missing required 'path' attribute in the first argument to 'builtins.path'");
  if (name === '') name = path.slice(path.lastIndexOf('/') + 1);
  return addPath(name, path, filter, recursive, expected);
}

export const fsBuiltins: BuiltinSpec[] = [
  prim('import', 1, 'Evaluate the Nix file at a path (a directory means its default.nix).', (_pos, p: Value) => importFile(realisePath(p, false))),
  prim('scopedImport', 2, 'Import a file with extra variables in scope.', (_pos, s: Value, p: Value) => scopedImport(s, p)),
  prim('__readFile', 1, 'The contents of a file.', readFile),
  prim('__readDir', 1, 'The entries of a directory: name → "regular" | "directory" | "symlink" | "unknown".', readDir),
  prim('__readFileType', 1, 'The type of a file: "regular", "directory", "symlink" or "unknown".', (_pos, p: Value) => {
    const path = realisePath(p, false);
    const t = io(() => S().host.lstat(path));
    if (t === undefined) throw new EvalIOError(`path '${path}' does not exist`);
    return fileTypeNames[t];
  }),
  prim('__pathExists', 1, 'Whether a path exists.', pathExists),
  prim('__hashFile', 2, 'The base-16 hash of a file.', (_pos, t: Value, p: Value) => {
    const algo = parseAlgo(forceStringNoCtx(t, undefined, 'while evaluating the first argument passed to builtins.hashFile'));
    const path = realisePath(p);
    return hashBytes(algo, bytesOf(io(() => S().host.readFile(path)))).toString('base16', false);
  }),
  prim('__findFile', 2, 'Look a name up in a search path (how <name> is evaluated).', findFile),
  prim('__toPath', 1, 'An absolute path string, canonicalised.', (_pos, a: Value) => {
    const ctx = new Set<string>();
    return mkStr(coerceToPath(undefined, a, ctx, 'while evaluating the first argument passed to builtins.toPath'), ctx);
  }),
  prim('__storePath', 1, 'A store path as a string with that path in its context.', (_pos, a: Value) => {
    const st = S();
    if (st.settings.pureEval) throw new EvalError("'builtins.storePath' is not allowed in pure evaluation mode");
    const ctx = new Set<string>();
    const path = coerceToPath(undefined, a, ctx, "while evaluating the first argument passed to 'builtins.storePath'");
    const dir = st.host.storeDir + '/';
    if (!path.startsWith(dir)) throw new EvalError(`path '${path}' is not in the Nix store`);
    const slash = path.indexOf('/', dir.length);
    ctx.add(slash < 0 ? path : path.slice(0, slash));
    return mkStr(path, ctx);
  }),
  prim('__path', 1, 'Add a path to the store with an optional name, filter, recursive flag and expected sha256.', builtinPath),
  prim('__filterSource', 2, 'Add a path to the store, keeping the files the filter accepts.', (_pos, f: Value, p: Value) => {
    const path = coerceToPath(undefined, p, new Set(), "while evaluating the second argument (the path to filter) passed to 'builtins.filterSource'");
    const fn = forceFunction(f, undefined, 'while evaluating the first argument passed to builtins.filterSource');
    return addPath(path.slice(path.lastIndexOf('/') + 1), path, fn, true, undefined);
  }),
  prim('__toFile', 2, 'Write a string to a store file and return its path.', toFile),
];

