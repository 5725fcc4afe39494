/**
 * What `nix-instantiate` does with a parsed expression (upstream nix-instantiate.cc
 * `processExpr`, attr-path.cc `findAlongAttrPath`, `EvalState::autoCallFunction`,
 * get-drvs.cc `getDerivations`): select `-A` paths, auto-call functions with `--arg`/
 * `--argstr` values, and either print the value (`--eval`: plain, `--json`, `--xml`,
 * `--raw`, with `--strict`) or instantiate the derivations it denotes and list their
 * `.drv` paths.
 */

import type { ParsedFile } from './ast.ts';
import { callFunction } from './eval/call.ts';
import { coerceToString } from './eval/coerce.ts';
import { determinePos, forceValueDeep } from './eval/deep.ts';
import { isDerivation } from './eval/equal.ts';
import { EvalError, MissingArgumentError, NixTypeError } from './eval/errors.ts';
import { forceBool, forceStr, tr } from './eval/force.ts';
import { bestMatches } from './eval/suggestions.ts';
import type { Evaluator } from './evaluator.ts';
import { printAmbiguous } from './print/ambiguous.ts';
import { toJSON } from './print/json.ts';
import { toXML } from './print/xml.ts';
import { AttrsBuilder } from './value/attrs.ts';
import { Attrs, Lambda, Thunk, force, showType, type Value } from './value/value.ts';

export type OutputKind = 'plain' | 'raw' | 'json' | 'xml';

export interface InstantiateOptions {
  /** `-A` paths; empty means the whole value. */
  readonly attrPaths: readonly string[];
  /** `--arg`/`--argstr` values (already made into values/thunks). */
  readonly autoArgs: Attrs;
  readonly evalOnly: boolean;
  readonly strict: boolean;
  readonly output: OutputKind;
  /** `--xml` positions (`--no-location` turns them off). */
  readonly location: boolean;
}

/** Upstream `autoCallFunction`: call a function whose formals can be filled from `args`. */
export function autoCallFunction(args: Attrs, fun: Value): Value {
  const pos = determinePos(fun);
  let v = force(fun, pos);
  if (v instanceof Attrs) {
    const f = v.get('__functor');
    if (f !== undefined) return autoCallFunction(args, force(callFunction(f, [v], pos), pos));
  }
  if (!(v instanceof Lambda) || v.info.formals === undefined) return v;
  const info = v.info;
  const b = new AttrsBuilder();
  if (info.ellipsis) for (let i = 0; i < args.size; i++) b.add(args.keys[i]!, args.vals[i]!, args.shape.pos[i]);
  else {
    const formals = info.ast.formals!.formals;
    for (let i = 0; i < formals.length; i++) {
      const name = formals[i]!.name;
      const a = args.get(name);
      if (a !== undefined) b.add(name, a);
      else if (!info.hasDefault![i]) {
        throw new MissingArgumentError(
          `cannot evaluate a function that has an argument without a value ('${name}')\nNix attempted to evaluate a function as a top level expression; in\nthis case it must have its arguments supplied either by default\nvalues, or passed explicitly with '--arg' or '--argstr'. See\nhttps://nix.dev/manual/nix/stable/language/syntax.html#functions.`,
          { source: info.pos.source, offset: formals[i]!.pos },
        );
      }
    }
  }
  v = callFunction(v, [b.finish()], pos);
  return v;
}

function parseAttrPath(s: string): string[] {
  const res: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '.') {
      res.push(cur);
      cur = '';
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new EvalError(`missing closing quote in selection path '${s}'`);
        if (s[i] === '"') break;
        cur += s[i++];
      }
    } else cur += c;
  }
  if (cur !== '') res.push(cur);
  return res;
}

/** Upstream `findAlongAttrPath`. */
export function findAlongAttrPath(path: string, autoArgs: Attrs, vIn: Value): Value {
  let v = vIn;
  for (const attr of parseAttrPath(path)) {
    const index = /^[0-9]+$/.test(attr) ? Number(attr) : undefined;
    v = force(autoCallFunction(autoArgs, v));
    if (index === undefined) {
      if (!(v instanceof Attrs)) throw new NixTypeError(`the expression selected by the selection path '${path}' should be a set but is ${showType(v)}`);
      if (attr === '') throw new EvalError(`empty attribute name in selection path '${path}'`);
      const a = v.get(attr);
      if (a === undefined) {
        const e = new EvalError(`attribute '${attr}' in selection path '${path}' not found`);
        e.suggestions = bestMatches(v.keys, attr);
        throw e;
      }
      v = a;
    } else {
      if (!Array.isArray(v)) throw new NixTypeError(`the expression selected by the selection path '${path}' should be a list but is ${showType(v)}`);
      if (index >= v.length) throw new EvalError(`list index ${index} in selection path '${path}' is out of range`);
      v = v[index]!;
    }
  }
  return v;
}

function isAttrPathComponent(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_+-]*$/.test(s);
}

/** One derivation nix-instantiate lists: its `.drv` path (latin1 bytes) and the output to build. */
export interface DrvInfo {
  readonly drvPath: string;
  readonly outputName: string;
}

/** Upstream `getDerivations` for nix-instantiate: the derivations a value denotes. */
function getDerivations(v0: Value, autoArgs: Attrs, out: DrvInfo[], done: Set<Attrs>): void {
  const getDerivation = (x: Value): boolean => {
    const v = force(x);
    if (!isDerivation(v)) return true;
    const a = v as Attrs;
    if (done.has(a)) return false;
    done.add(a);
    const dp = a.get('drvPath');
    if (dp === undefined) throw new EvalError('derivation does not contain a \'drvPath\' attribute');
    const drvPath = coerceToString(undefined, dp, new Set(), 'while evaluating the drvPath of a derivation', false, false);
    const on = a.get('outputName');
    const outputName = on === undefined ? 'out' : forceStr(on, undefined, 'while evaluating the output name of a derivation');
    out.push({ drvPath, outputName });
    return false;
  };
  const v = force(autoCallFunction(autoArgs, v0));
  if (!getDerivation(v)) return;
  if (v instanceof Attrs) {
    for (let i = 0; i < v.size; i++) {
      const name = v.keys[i]!;
      try {
        if (!isAttrPathComponent(name)) continue;
        const x = v.vals[i]!;
        if (getDerivation(x)) {
          const xv = force(x);
          if (xv instanceof Attrs) {
            const r = xv.get('recurseForDerivations');
            if (r !== undefined && forceBool(r, xv.posOf('recurseForDerivations'), 'while evaluating the attribute `recurseForDerivations`')) getDerivations(xv, autoArgs, out, done);
          }
        }
      } catch (e) {
        throw tr(e, v.shape.pos[i], `while evaluating the attribute '${name}'`);
      }
    }
  } else if (Array.isArray(v)) {
    for (const x of v) if (getDerivation(x)) getDerivations(x, autoArgs, out, done);
  } else throw new NixTypeError('expression does not evaluate to a derivation (or a set or list of those)');
}

/**
 * Each `-A` path (none: the whole value) selected and forced, in order; lazily, so that
 * each value is printed or listed before the next path is selected, as upstream does.
 */
function* selectedValues(ev: Evaluator, file: ParsedFile, attrPaths: readonly string[], autoArgs: Attrs): Generator<Value> {
  const root = ev.evalParsed(file);
  for (const p of attrPaths.length > 0 ? attrPaths : ['']) {
    const v = findAlongAttrPath(p, autoArgs, root);
    yield v instanceof Thunk ? v.force(determinePos(v)) : v;
  }
}

/** The derivations one parsed expression denotes (nix-instantiate without `--eval`), for each `-A` path in turn. */
export function instantiateExpr(ev: Evaluator, file: ParsedFile, attrPaths: readonly string[], autoArgs: Attrs): DrvInfo[] {
  return ev.run(() => {
    const drvs: DrvInfo[] = [];
    for (const vf of selectedValues(ev, file, attrPaths, autoArgs)) getDerivations(vf, autoArgs, drvs, new Set());
    return drvs;
  });
}

/** Process one parsed expression; returns what goes to stdout (latin1 bytes). */
export function processExpr(ev: Evaluator, file: ParsedFile, opts: InstantiateOptions): string {
  if (!opts.evalOnly) {
    let out = '';
    for (const d of instantiateExpr(ev, file, opts.attrPaths, opts.autoArgs)) out += d.drvPath + (d.outputName !== 'out' ? '!' + d.outputName : '') + '\n';
    return out;
  }
  return ev.run(() => {
    let out = '';
    for (const vf of selectedValues(ev, file, opts.attrPaths, opts.autoArgs)) {
      const res = opts.autoArgs.size === 0 ? vf : autoCallFunction(opts.autoArgs, vf);
      const ctx = new Set<string>();
      if (opts.output === 'raw') out += coerceToString(undefined, res, ctx, 'while generating the nix-instantiate output');
      else if (opts.output === 'xml') out += toXML(res, opts.strict, opts.location, ctx);
      else if (opts.output === 'json') out += toJSON(res, opts.strict, determinePos(vf), ctx) + '\n';
      else {
        if (opts.strict) forceValueDeep(res);
        out += printAmbiguous(res, ev.state.settings.maxCallDepth, ctx) + '\n';
      }
    }
    return out;
  });
}
