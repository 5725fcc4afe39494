/**
 * `derivationStrict` (upstream prim_derivationStrict / derivationStrictInternal): collect a
 * derivation from an attribute set — builder, system, args, environment (every other
 * attribute coerced to a string, or a JSON object with `__structuredAttrs`), outputs,
 * fixed-output hash — plus the string context of everything, and let the host compute
 * (and possibly write) the `.drv`. Also `derivation` (the Nix wrapper in
 * derivation-wrapper.ts) and `outputOf`.
 */

import { coerceToString } from '../eval/coerce.ts';
import { EvalError } from '../eval/errors.ts';
import { forceAttrs, forceBool, forceList, forceString, forceStringNoCtx, tr } from '../eval/force.ts';
import { S } from '../eval/state.ts';
import { isHashAlgo } from '../../hash/algo.ts';
import { parseHash } from '../../hash/hash.ts';
import { checkStorePathName } from '../../store/store-path.ts';
import type { OutputSpec } from '../host.ts';
import { toJSON } from '../print/json.ts';
import { formatPos, type Pos } from '../source.ts';
import { AttrsBuilder } from '../value/attrs.ts';
import { Attrs, NixStr, force, strOf, type Value } from '../value/value.ts';
import { getAttrOrThrow } from './control.ts';
import { renderEvalError } from '../eval/render-error.ts';
import { io } from './fs.ts';
import { prim, type BuiltinSpec } from './registry.ts';
import { hashPlaceholder } from './string.ts';

type Method = 'flat' | 'nar' | 'text' | 'git';

function requireFeature(feature: string, what?: string): void {
  if (S().settings.experimentalFeatures.has(feature)) return;
  throw new EvalError(`experimental Nix feature '${feature}' is disabled; add '--extra-experimental-features ${feature}' to enable it${what ? ` (required by ${what})` : ''}`);
}

function parseMethod(s: string, drvName: string): Method {
  let m: Method;
  if (s === 'recursive' || s === 'nar') m = 'nar';
  else if (s === 'flat') m = 'flat';
  else if (s === 'text') m = 'text';
  else if (s === 'git') m = 'git';
  else throw new EvalError(`invalid value '${s}' for 'outputHashMode' attribute`);
  if (m === 'text') requireFeature('dynamic-derivations', `text-hashed derivation '${drvName}', outputHashMode = "text"`);
  if (m === 'git') requireFeature('git-hashing');
  return m;
}

/** A warning with the attribute's position and the derivation as a trace (upstream `warnAttr`). */
function warnAttr(msg: string, pos: Pos | undefined, drvName: string): void {
  const w = new EvalError(msg, pos).addTrace(undefined, `while evaluating derivation '${drvName}'`);
  S().host.log(renderEvalError(w, true, 'warning').replace(/\n$/, ''));
}

function derivationStrictInternal(drvName: string, attrs: Attrs): Value {
  const bad = checkStorePathName(drvName);
  if (bad !== undefined) throw new EvalError(`invalid derivation name: ${bad}. Please pass a different 'name'.`);
  const st = S();
  const sa = attrs.get('__structuredAttrs');
  const structured = sa !== undefined && forceBool(sa, undefined, 'while evaluating the `__structuredAttrs` attribute passed to builtins.derivationStrict');
  const inn = attrs.get('__ignoreNulls');
  const ignoreNulls = inn !== undefined && forceBool(inn, undefined, 'while evaluating the `__ignoreNulls` attribute passed to builtins.derivationStrict');

  const ctx = new Set<string>();
  const env = new Map<string, string>();
  const json: string[] = [];
  const args: string[] = [];
  let builder = '';
  let platform = '';
  let contentAddressed = false;
  let impure = false;
  let outputHash: string | undefined;
  let outputHashAlgo: string | undefined;
  let method: Method | undefined;
  let outputs = ['out'];
  let structuredJson: string | undefined;

  const handleOutputs = (ss: string[]): void => {
    const seen = new Set<string>();
    for (const j of ss) {
      if (seen.has(j)) throw new EvalError(`duplicate derivation output '${j}'`);
      if (j === 'drvPath') throw new EvalError("invalid derivation output name 'drvPath'");
      seen.add(j);
    }
    if (seen.size === 0) throw new EvalError('derivation cannot have an empty set of outputs');
    outputs = [...seen].sort();
  };

  for (let i = 0; i < attrs.size; i++) {
    const key = attrs.keys[i]!;
    if (key === '__ignoreNulls') continue;
    const apos = attrs.shape.pos[i];
    try {
      let v = attrs.vals[i]!;
      if (ignoreNulls && force(v) === null) continue;
      if (key === '__contentAddressed') {
        if (forceBool(v, undefined, '')) {
          contentAddressed = true;
          requireFeature('ca-derivations');
        }
      } else if (key === '__impure') {
        if (forceBool(v, undefined, '')) {
          impure = true;
          requireFeature('impure-derivations');
        }
      } else if (key === 'args') {
        for (const e of forceList(v, undefined, '')) args.push(coerceToString(undefined, e, ctx, 'while evaluating an element of the argument list', true));
      } else if (structured) {
        if (key === '__structuredAttrs') continue;
        v = attrs.vals[i]!;
        json.push(JSON.stringify(key) + ':' + toJSON(v, true, undefined, ctx));
        if (key === 'builder') builder = strOfWithCtx(forceString(v, undefined, ''), ctx);
        else if (key === 'system') platform = forceStringNoCtx(v, undefined, '');
        else if (key === 'outputHash') outputHash = forceStringNoCtx(v, undefined, '');
        else if (key === 'outputHashAlgo') outputHashAlgo = forceStringNoCtx(v, undefined, '');
        else if (key === 'outputHashMode') method = parseMethod(forceStringNoCtx(v, undefined, ''), drvName);
        else if (key === 'outputs') handleOutputs(forceList(v, undefined, '').map((e) => forceStringNoCtx(e, undefined, '')));
        if (['allowedReferences', 'allowedRequisites', 'disallowedReferences', 'disallowedRequisites', 'maxSize', 'maxClosureSize'].includes(key)) {
          warnAttr(`'structuredAttrs' disables the effect of the derivation attribute '${key}'; use 'outputChecks.<output>.${key}' instead`, apos, drvName);
        }
      } else {
        const s = coerceToString(undefined, v, ctx, '', true);
        if (key === '__json') {
          warnAttr("setting structured attributes via '__json' is deprecated, and may be disallowed in future versions of Nix. Set '__structuredAttrs = true' instead.", apos, drvName);
          structuredJson = s;
          continue;
        }
        env.set(key, s);
        if (key === 'builder') builder = s;
        else if (key === 'system') platform = s;
        else if (key === 'outputHash') outputHash = s;
        else if (key === 'outputHashAlgo') outputHashAlgo = s;
        else if (key === 'outputHashMode') method = parseMethod(s, drvName);
        else if (key === 'outputs') handleOutputs(s.split(/[ \t\n\r]+/).filter((x) => x !== ''));
      }
    } catch (e) {
      throw tr(e, apos, `while evaluating attribute '${key}' of derivation '${drvName}'`);
    }
  }
  if (structured) structuredJson = '{' + json.join(',') + '}';

  if (builder === '') throw new EvalError("required attribute 'builder' missing");
  if (platform === '') throw new EvalError("required attribute 'system' missing");
  if (drvName.endsWith('.drv') && !(method === 'text' && outputs.length === 1 && outputs[0] === 'out')) {
    throw new EvalError("derivation names are allowed to end in '.drv' only if they produce a single derivation file");
  }

  let spec: OutputSpec;
  const algo = outputHashAlgo === undefined || outputHashAlgo === '' ? undefined : outputHashAlgo;
  if (algo !== undefined && !isHashAlgo(algo)) throw new EvalError(`unknown hash algorithm '${algo}', expect 'blake3', 'md5', 'sha1', 'sha256', or 'sha512'`);
  if (outputHash !== undefined) {
    if (outputs.length !== 1 || outputs[0] !== 'out') throw new EvalError('multiple outputs are not supported in fixed-output derivations');
    let hash: string;
    let hashAlgo = algo;
    if (outputHash === '') {
      if (hashAlgo === undefined) throw new EvalError('empty hash requires explicit hash algorithm');
      st.host.log(`warning: found empty hash, assuming '${hashAlgo}-AAAA'`);
      hash = '';
    } else {
      try {
        const h = parseHash(outputHash, hashAlgo as never);
        hashAlgo = h.algo;
        hash = h.toString('base16', false);
      } catch (e) {
        throw new EvalError((e as Error).message);
      }
    }
    spec = { kind: 'fixed', method: method ?? 'flat', hashAlgo, hash };
  } else if (contentAddressed || impure) {
    if (contentAddressed && impure) throw new EvalError('derivation cannot be both content-addressed and impure');
    const m = method ?? 'nar';
    spec = { kind: impure ? 'impure' : 'floating', method: m, hashAlgo: algo ?? 'sha256' };
    for (const o of outputs) env.set(o, hashPlaceholder(o));
  } else {
    spec = { kind: 'inputAddressed' };
    for (const o of outputs) env.set(o, '');
  }

  const r = io(() =>
    st.host.writeDerivation({ name: drvName, builder, platform, args, env, structuredAttrs: structuredJson, outputs, spec, context: [...ctx].sort() }),
  );
  const b = new AttrsBuilder();
  b.add('drvPath', new NixStr(r.drvPath, new Set(['=' + r.drvPath])));
  for (const [o, p] of r.outputs) b.add(o, new NixStr(p, new Set([`!${o}!${r.drvPath}`])));
  return b.finish();
}

function strOfWithCtx(s: string | NixStr, ctx: Set<string>): string {
  if (s instanceof NixStr) for (const c of s.ctx) ctx.add(c);
  return strOf(s);
}

function derivationStrict(_pos: unknown, a: Value): Value {
  const attrs = forceAttrs(a, undefined, 'while evaluating the argument passed to builtins.derivationStrict');
  const ni = attrs.shape.find('name');
  if (ni < 0) getAttrOrThrow(attrs, 'name', 'in the attrset passed as argument to builtins.derivationStrict');
  const namePos = attrs.shape.pos[ni];
  let drvName: string;
  try {
    drvName = forceStringNoCtx(attrs.vals[ni]!, undefined, 'while evaluating the `name` attribute passed to builtins.derivationStrict');
  } catch (e) {
    throw tr(e, namePos, "while evaluating the derivation attribute 'name'");
  }
  try {
    return derivationStrictInternal(drvName, attrs);
  } catch (e) {
    if (e instanceof EvalError) {
      e.addTrace(undefined, `while evaluating derivation '${drvName}'\n  whose name attribute is located at ${namePos ? formatPos(namePos) : '\xc2\xabnone\xc2\xbb:0'}`, true);
    }
    throw e;
  }
}

export const derivationBuiltins: BuiltinSpec[] = [
  prim('derivationStrict', 1, 'Instantiate a derivation: { drvPath, <output> = path\xe2\x80\xa6 } (the strict core of `derivation`).', derivationStrict),
];
