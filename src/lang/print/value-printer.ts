/**
 * The diagnostic value printer (upstream print.cc `Printer`): used in error messages
 * ("expected a set but found a list: [ 1 2 ]"), `builtins.trace` and assertion
 * explanations. It never forces anything: unevaluated values print as `«thunk»`, functions
 * as `«lambda NAME @ FILE:L:C»` / `«primop map»`, and with the error options it elides
 * beyond depth 10, 10 attributes, 10 list items and 1024 string bytes.
 */

import { formatPos } from '../source.ts';
import { Attrs, Lambda, NixFloat, NixPath, NixStr, PrimOp, PrimOpApp, Thunk, type Value } from '../value/value.ts';
import { formatFloatNix as formatFloat } from '../lib/float-format.ts';
import { elided, printAttributeName, printLiteralString } from './literal.ts';

export interface PrintOptions {
  readonly maxDepth: number;
  readonly maxAttrs: number;
  readonly maxListItems: number;
  readonly maxStringLength: number;
}

export const UNLIMITED: PrintOptions = { maxDepth: Infinity, maxAttrs: Infinity, maxListItems: Infinity, maxStringLength: Infinity };

/** Upstream `errorPrintOptions`. */
export const ERROR_OPTIONS: PrintOptions = { maxDepth: 10, maxAttrs: 10, maxListItems: 10, maxStringLength: 1024 };

const EMPTY_ATTRS_IDENTITY = {};

/** Print `v` as upstream's `ValuePrinter` does. */
export function printValue(v: Value, opts: PrintOptions = UNLIMITED): string {
  const p = new Printer(opts);
  p.print(v, 0);
  return p.out;
}

/** Upstream's `ValuePrinter(state, v, errorPrintOptions)`. */
export function printErrorValue(v: Value): string {
  return printValue(v, ERROR_OPTIONS);
}

class Printer {
  out = '';
  readonly opts: PrintOptions;
  readonly seen = new Set<object>();
  totalAttrs = 0;
  totalItems = 0;

  constructor(opts: PrintOptions) {
    this.opts = opts;
  }

  print(v: Value, depth: number): void {
    const slot = v;
    if (v instanceof Thunk) {
      if (v.isDone) v = v.force();
      else {
        this.out += v.isBlackhole ? '\xc2\xabpotential infinite recursion\xc2\xbb' : '\xc2\xabthunk\xc2\xbb';
        return;
      }
    }
    switch (typeof v) {
      case 'number':
      case 'bigint':
        this.out += String(v);
        return;
      case 'boolean':
        this.out += v ? 'true' : 'false';
        return;
      case 'string':
        this.out += printLiteralString(v, this.opts.maxStringLength);
        return;
    }
    if (v === null) this.out += 'null';
    else if (v instanceof NixStr) this.out += printLiteralString(v.s, this.opts.maxStringLength);
    else if (v instanceof NixFloat) this.out += formatFloat(v.v);
    else if (v instanceof NixPath) this.out += v.path;
    else if (Array.isArray(v)) this.printList(v, depth, slot as object);
    else if (v instanceof Attrs) this.printAttrs(v, depth);
    else if (v instanceof Lambda) {
      const name = v.info.name;
      this.out += `\xc2\xablambda${name !== undefined ? ' ' + name : ''} @ ${formatPos(v.info.pos)}\xc2\xbb`;
    } else if (v instanceof PrimOp) this.out += `\xc2\xabprimop ${v.name}\xc2\xbb`;
    else if (v instanceof PrimOpApp) this.out += `\xc2\xabpartially applied primop ${v.op.name}\xc2\xbb`;
    else this.out += '\xc2\xabunknown\xc2\xbb';
  }

  printAttrs(v: Attrs, depth: number): void {
    const id = v.size === 0 ? EMPTY_ATTRS_IDENTITY : v;
    if (this.seen.has(id)) {
      this.out += '\xc2\xabrepeated\xc2\xbb';
      return;
    }
    this.seen.add(id);
    if (depth >= this.opts.maxDepth) {
      this.out += '{ ... }';
      return;
    }
    this.out += '{';
    const keys = v.keys;
    // With a limit, `type` and `_type` come first so that a truncated set still shows them.
    const order = this.opts.maxAttrs === Infinity ? keys.map((_, i) => i) : importantFirst(keys);
    let current = 0;
    for (const i of order) {
      this.out += ' ';
      if (this.totalAttrs >= this.opts.maxAttrs) {
        this.out += elided(keys.length - current, 'attribute', 'attributes');
        break;
      }
      this.out += printAttributeName(keys[i]!) + ' = ';
      this.print(v.vals[i]!, depth + 1);
      this.out += ';';
      this.totalAttrs++;
      current++;
    }
    this.out += ' }';
  }

  /** Lists are identified by their slot (a thunk or the list), as upstream tracks `Value *`. */
  printList(v: Value[], depth: number, slot: object): void {
    if (v.length > 0) {
      if (this.seen.has(slot)) {
        this.out += '\xc2\xabrepeated\xc2\xbb';
        return;
      }
      this.seen.add(slot);
    }
    if (depth >= this.opts.maxDepth) {
      this.out += '[ ... ]';
      return;
    }
    this.out += '[';
    let current = 0;
    for (const e of v) {
      this.out += ' ';
      if (this.totalItems >= this.opts.maxListItems) {
        this.out += elided(v.length - current, 'item', 'items');
        break;
      }
      this.print(e, depth + 1);
      this.totalItems++;
      current++;
    }
    this.out += ' ]';
  }
}

function importantFirst(keys: readonly string[]): number[] {
  const idx = keys.map((_, i) => i);
  const imp = (k: string): number => (k === 'type' || k === '_type' ? 0 : 1);
  return idx.sort((a, b) => imp(keys[a]!) - imp(keys[b]!) || (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
}
