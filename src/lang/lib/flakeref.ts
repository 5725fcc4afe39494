/**
 * Flake references for `builtins.parseFlakeRef` and `builtins.flakeRefToString` (upstream
 * libflake/flakeref.cc with the input schemes of libfetchers): the forms handled are
 *
 *   github:OWNER/REPO[/REF-OR-REV][?ref=…&rev=…&host=…&narHash=…&dir=…]   (also gitlab:, sourcehut:)
 *   flake:ID[/REF][/REV]   and the bare ID[/REF][/REV]                    (type "indirect")
 *
 * `dir` is the flake's subdirectory and travels beside the input's attributes. Other
 * schemes (path:, git+…, tarball URLs) are reported as unsupported. Errors are `FlakeRefError`
 * with upstream's wording where it has one.
 */

import type { TixError } from '../../errors.ts';

export class FlakeRefError extends Error implements TixError {
  override readonly name: string = 'FlakeRefError';
  readonly code = 'E_FLAKE_REF';
}

/** A flake reference's attributes: strings, non-negative integers and Booleans. */
export type FlakeAttrs = Map<string, string | number | bigint | boolean>;

const FLAKE_ID = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const REF = /^[a-zA-Z0-9@][a-zA-Z0-9_./@+-]*$/;
const REV = /^[0-9a-fA-F]{40}$/;
const HOST = /^[a-zA-Z0-9.-]*$/;
const ARCHIVE_SCHEMES = new Set(['github', 'gitlab', 'sourcehut']);

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new FlakeRefError(`invalid percent-encoding in '${s}'`);
  }
}

/** Percent-encode a path segment or query part, keeping what URLs allow unencoded. */
function encode(s: string, keep: RegExp): string {
  let out = '';
  for (const ch of s) out += keep.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}
const PATH_CHARS = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const QUERY_CHARS = /[A-Za-z0-9\-._~!$'()*,;:@/]/;

function parseQuery(q: string | undefined, url: string): [string, string][] {
  if (q === undefined || q === '') return [];
  return q.split('&').map((kv) => {
    const i = kv.indexOf('=');
    if (i < 0) throw new FlakeRefError(`URL '${url}' has an invalid query parameter '${kv}'`);
    return [decode(kv.slice(0, i)), decode(kv.slice(i + 1))];
  });
}

/** The (sorted, as upstream's std::map) attributes of a flake reference string. */
export function parseFlakeRef(url: string): FlakeAttrs {
  const hash = url.indexOf('#');
  if (hash >= 0) throw new FlakeRefError(`unexpected fragment '${url.slice(hash + 1)}' in flake reference '${url}'`);
  const attrs: FlakeAttrs = new Map();
  const m = /^([a-z][a-z0-9+.-]*):([^?]*)(?:\?(.*))?$/.exec(url);
  if (m === null || m[1] === 'flake') {
    // An indirect reference: `flake:ID/…` or a bare flake ID.
    const body = m === null ? url : m[2]!;
    const segs = body.split('/').filter((s) => s !== '');
    const id = segs[0] ?? '';
    if (!FLAKE_ID.test(id) || segs.length > 3 || (m === null && url.includes('?'))) {
      throw new FlakeRefError(m === null ? `'${url}' is not a valid URL` : `'${id}' is not a valid flake ID`);
    }
    attrs.set('id', id);
    if (segs.length === 2) {
      if (REV.test(segs[1]!)) attrs.set('rev', segs[1]!);
      else if (REF.test(segs[1]!)) attrs.set('ref', segs[1]!);
      else throw new FlakeRefError(`in flake URL '${url}', '${segs[1]}' is not a commit hash or branch/tag name`);
    } else if (segs.length === 3) {
      if (!REF.test(segs[1]!)) throw new FlakeRefError(`in flake URL '${url}', '${segs[1]}' is not a branch/tag name`);
      if (!REV.test(segs[2]!)) throw new FlakeRefError(`in flake URL '${url}', '${segs[2]}' is not a commit hash`);
      attrs.set('ref', segs[1]!);
      attrs.set('rev', segs[2]!);
    }
    for (const [k, v] of parseQuery(m?.[3], url)) {
      if (k !== 'dir') throw new FlakeRefError(`URL '${url}' contains unknown parameter '${k}'`);
      if (v !== '') attrs.set('dir', v);
    }
    attrs.set('type', 'indirect');
    return sorted(attrs);
  }
  const scheme = m[1]!;
  if (!ARCHIVE_SCHEMES.has(scheme)) throw new FlakeRefError(`flake reference '${url}' uses the input scheme '${scheme}', which tix does not support yet`);
  const path = m[2]!.split('/').filter((s) => s !== '').map(decode);
  if (path.length < 2) throw new FlakeRefError(`URL '${url}' is invalid`);
  if (path.length === 3) attrs.set(REV.test(path[2]!) ? 'rev' : 'ref', path[2]!);
  else if (path.length > 3) attrs.set('ref', path.slice(2).join('/'));
  for (const [k, v] of parseQuery(m[3], url)) {
    if (k === 'dir') {
      if (v !== '') attrs.set('dir', v);
    } else if (k === 'rev' || k === 'ref') {
      if (attrs.has(k)) throw new FlakeRefError(`URL '${url}' contains multiple ${k === 'rev' ? 'commit hashes' : 'branch/tag names'}`);
      attrs.set(k, v);
    } else if (k === 'host' || k === 'narHash') attrs.set(k, v);
    else throw new FlakeRefError(`URL '${url}' contains unknown parameter '${k}'`);
  }
  attrs.set('type', scheme);
  attrs.set('owner', path[0]!);
  attrs.set('repo', path[1]!);
  checkArchive(attrs);
  return sorted(attrs);
}

function sorted(a: FlakeAttrs): FlakeAttrs {
  return new Map([...a].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

function str(a: FlakeAttrs, name: string, required: boolean): string | undefined {
  const v = a.get(name);
  if (v === undefined) {
    if (required) throw new FlakeRefError(`attribute '${name}' missing in input attributes`);
    return undefined;
  }
  if (typeof v !== 'string') throw new FlakeRefError(`attribute '${name}' in input attributes is not a string`);
  return v;
}

function checkArchive(a: FlakeAttrs): void {
  const ref = str(a, 'ref', false);
  const rev = str(a, 'rev', false);
  if (ref !== undefined && rev !== undefined) throw new FlakeRefError(`input contains both a commit hash ('${rev}') and a branch/tag name ('${ref}')`);
  if (rev !== undefined && !REV.test(rev)) throw new FlakeRefError(`hash '${rev}' is not a valid SHA-1 commit hash`);
  if (ref !== undefined && !REF.test(ref)) throw new FlakeRefError(`input contains an invalid branch/tag name '${ref}'`);
  const host = str(a, 'host', false);
  if (host !== undefined && !HOST.test(host)) throw new FlakeRefError(`input contains an invalid instance host '${host}'`);
}

const ALLOWED: Record<string, readonly string[]> = {
  indirect: ['type', 'id', 'ref', 'rev', 'narHash', 'dir'],
  archive: ['type', 'owner', 'repo', 'ref', 'rev', 'narHash', 'lastModified', 'host', 'treeHash', 'dir'],
};

/** The canonical string of a flake reference given as attributes. */
export function flakeRefToString(a: FlakeAttrs): string {
  const type = str(a, 'type', true)!;
  const kind = type === 'indirect' ? 'indirect' : ARCHIVE_SCHEMES.has(type) ? 'archive' : undefined;
  if (kind === undefined) throw new FlakeRefError(`input type '${type}' is not supported by tix yet`);
  for (const k of a.keys()) if (!ALLOWED[kind]!.includes(k)) throw new FlakeRefError(`unsupported input attribute '${k}'`);
  const query = new Map<string, string>();
  const dir = str(a, 'dir', false);
  let path: string[];
  if (kind === 'indirect') {
    const id = str(a, 'id', true)!;
    if (!FLAKE_ID.test(id)) throw new FlakeRefError(`'${id}' is not a valid flake ID`);
    path = [id];
  } else {
    checkArchive(a);
    path = [str(a, 'owner', true)!, str(a, 'repo', true)!];
    const narHash = str(a, 'narHash', false);
    if (narHash !== undefined) query.set('narHash', narHash);
    const host = str(a, 'host', false);
    if (host !== undefined) query.set('host', host);
  }
  const ref = str(a, 'ref', false);
  const rev = str(a, 'rev', false);
  if (ref !== undefined) path.push(ref);
  if (rev !== undefined) path.push(rev.toLowerCase());
  if (dir !== undefined && dir !== '') query.set('dir', dir);
  const q = [...query].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => `${encode(k, QUERY_CHARS)}=${encode(v, QUERY_CHARS)}`);
  return `${kind === 'indirect' ? 'flake' : type}:${path.map((s) => encode(s, PATH_CHARS)).join('/')}${q.length > 0 ? `?${q.join('&')}` : ''}`;
}
