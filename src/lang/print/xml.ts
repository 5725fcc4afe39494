/**
 * Values as XML (upstream value-to-xml.cc and XMLWriter): `builtins.toXML` and
 * `nix-instantiate --eval --xml [--no-location]`. Two-space indentation, attributes of an
 * element sorted by name, derivations printed once (later as `<repeated />`).
 */

import { isDerivation } from '../eval/equal.ts';
import { enter, leave } from '../eval/state.ts';
import type { Pos } from '../source.ts';
import { Attrs, Lambda, NixFloat, NixPath, NixStr, Thunk, type Value } from '../value/value.ts';
import { formatFloatNix as formatFloat } from '../lib/float-format.ts';
import { canonicalPath } from '../eval/coerce.ts';

function escapeAttr(s: string): string {
  return s.replace(/["<>&\n]/g, (c) => (c === '"' ? '&quot;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&#xA;'));
}

class Writer {
  out = "<?xml version='1.0' encoding='utf-8'?>\n";
  depth = 0;

  attrs(a: Record<string, string>): string {
    return Object.keys(a)
      .sort()
      .map((k) => ` ${k}="${escapeAttr(a[k]!)}"`)
      .join('');
  }

  open(name: string, a: Record<string, string> = {}): void {
    this.out += `${'  '.repeat(this.depth)}<${name}${this.attrs(a)}>\n`;
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.out += `${'  '.repeat(this.depth)}</${name}>\n`;
  }

  empty(name: string, a: Record<string, string> = {}): void {
    this.out += `${'  '.repeat(this.depth)}<${name}${this.attrs(a)} />\n`;
  }
}

function posAttrs(a: Record<string, string>, pos: Pos): void {
  const path = pos.source.path;
  if (path !== undefined) a['path'] = path;
  const { line, column } = pos.source.lineCol(pos.offset);
  a['line'] = String(line);
  a['column'] = String(column);
}

function strOfValue(v: Value): string | undefined {
  return typeof v === 'string' ? v : v instanceof NixStr ? v.s : undefined;
}

export function toXML(v: Value, strict: boolean, location: boolean, ctx: Set<string>): string {
  const w = new Writer();
  const drvsSeen = new Set<string>();
  const showAttrs = (a: Attrs): void => {
    for (let i = 0; i < a.size; i++) {
      const xa: Record<string, string> = { name: a.keys[i]! };
      const p = a.shape.pos[i];
      if (location && p) posAttrs(xa, p);
      w.open('attr', xa);
      rec(a.vals[i]!, p);
      w.close('attr');
    }
  };
  const rec = (x: Value, pos: Pos | undefined): void => {
    enter(pos);
    if (strict && x instanceof Thunk) x = x.force(pos);
    if (x instanceof Thunk) x = x.isDone ? x.force() : x;
    if (typeof x === 'number' || typeof x === 'bigint') w.empty('int', { value: String(x) });
    else if (typeof x === 'boolean') w.empty('bool', { value: x ? 'true' : 'false' });
    else if (typeof x === 'string' || x instanceof NixStr) {
      if (x instanceof NixStr) for (const c of x.ctx) ctx.add(c);
      w.empty('string', { value: strOfValue(x)! });
    } else if (x instanceof NixPath) w.empty('path', { value: canonicalPath(x) });
    else if (x === null) w.empty('null');
    else if (x instanceof NixFloat) w.empty('float', { value: formatFloat(x.v) });
    else if (Array.isArray(x)) {
      w.open('list');
      for (const e of x) rec(e, pos);
      w.close('list');
    } else if (x instanceof Attrs) {
      if (isDerivation(x)) {
        const xa: Record<string, string> = {};
        let drvPath = '';
        const di = x.shape.find('drvPath');
        if (di >= 0) {
          const dv = strict ? x.forceAt(di, x.shape.pos[di]) : x.vals[di]!;
          const s = strOfValue(dv instanceof Thunk && dv.isDone ? dv.force() : dv);
          if (s !== undefined) xa['drvPath'] = drvPath = s;
        }
        const oi = x.shape.find('outPath');
        if (oi >= 0) {
          const ov = strict ? x.forceAt(oi, x.shape.pos[oi]) : x.vals[oi]!;
          const s = strOfValue(ov instanceof Thunk && ov.isDone ? ov.force() : ov);
          if (s !== undefined) xa['outPath'] = s;
        }
        w.open('derivation', xa);
        if (drvPath !== '' && !drvsSeen.has(drvPath)) {
          drvsSeen.add(drvPath);
          showAttrs(x);
        } else w.empty('repeated');
        w.close('derivation');
      } else {
        w.open('attrs');
        showAttrs(x);
        w.close('attrs');
      }
    } else if (x instanceof Lambda) {
      const xa: Record<string, string> = {};
      if (location) posAttrs(xa, x.info.pos);
      w.open('function', xa);
      const info = x.info;
      if (info.formals !== undefined) {
        const pa: Record<string, string> = {};
        if (info.ast.arg !== undefined) pa['name'] = info.ast.arg;
        if (info.ellipsis) pa['ellipsis'] = '1';
        w.open('attrspat', pa);
        for (const f of [...info.formals].sort()) w.empty('attr', { name: f });
        w.close('attrspat');
      } else w.empty('varpat', { name: info.ast.arg! });
      w.close('function');
    } else w.empty('unevaluated');
    leave();
  };
  w.open('expr');
  rec(v, undefined);
  w.close('expr');
  return w.out;
}
