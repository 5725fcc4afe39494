/**
 * .drv files against Nix 2.8: `nix-instantiate` writes derivations (several outputs, fixed
 * outputs of every kind, odd bytes in env values, input derivation chains and diamonds,
 * input sources, structured attrs, floating CA, impure), and tix must reproduce from the
 * parsed .drv plus its input .drv files: the exact bytes, the .drv path, every output path,
 * and the .drv the evaluator would hand over once completed. Also random env values and
 * args, written into a Nix file as raw bytes, through both.
 */

import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkInvariants,
  computeOutputPaths,
  type Derivation,
  type DerivationOutput,
  derivationOutputPaths,
  derivationStorePath,
  derivationToJson,
  fillInOutputPaths,
  makeDrvHashLookup,
  parseDerivation,
  printDerivation,
  StoreDir,
  StorePath,
} from '../../../src/store/index.ts';
import { printJson } from '../../../src/util/json-writer.ts';
import { DRV_VECTORS, readDrv } from '../../support/drv-fixtures.ts';
import { NIX_SKIP, NixSandbox } from '../../support/nix.ts';

const storeDir = new StoreDir();
const NIX_CONFIG = 'experimental-features = nix-command ca-derivations impure-derivations\nsandbox = false\nsubstituters =\n';

/** What the evaluator hands over: outputs not yet computed, no env vars for them. */
function blank(drv: Derivation): Derivation {
  const outputs = new Map<string, DerivationOutput>([...drv.outputs].map(([k, o]) => [k, o.type === 'inputAddressed' ? { type: 'deferred' } : o]));
  return { ...drv, outputs, env: new Map([...drv.env].filter(([k]) => !drv.outputs.has(k))) };
}

/** Nix 2.8's `nix show-derivation` JSON of one derivation, mapped to upstream's v4 form (see src/store/drv/json.ts). */
function nix28ToV4(drvPath: string, d: Record<string, any>): unknown {
  const base = (p: string) => p.slice('/nix/store/'.length);
  const outputs: Record<string, unknown> = {};
  for (const [name, o] of Object.entries<Record<string, any>>(d.outputs)) {
    const algo = o.hashAlgo as string | undefined;
    const method = algo?.startsWith('r:') ? 'nar' : algo?.startsWith('text:') ? 'text' : 'flat';
    const hashAlgo = algo?.replace(/^(r|text):/, '');
    if (o.impure) outputs[name] = { hashAlgo, impure: true, method };
    else if (o.hash) outputs[name] = { hash: `${hashAlgo}-${Buffer.from(o.hash, 'hex').toString('base64')}`, method };
    else if (algo) outputs[name] = { hashAlgo, method };
    else if (o.path) outputs[name] = { path: base(o.path) };
    else outputs[name] = {};
  }
  const env = { ...d.env };
  const res: Record<string, unknown> = {
    args: d.args,
    builder: d.builder,
    env,
    inputs: {
      drvs: Object.fromEntries(Object.entries<string[]>(d.inputDrvs).map(([p, outs]) => [base(p), { dynamicOutputs: {}, outputs: outs }])),
      srcs: (d.inputSrcs as string[]).map(base),
    },
    name: base(drvPath).slice(33, -4),
    outputs,
    system: d.system,
    version: 4,
  };
  if (env.__json !== undefined) {
    res.structuredAttrs = JSON.parse(env.__json);
    delete env.__json;
  }
  return res;
}

describe('.drv files vs nix-instantiate (Nix 2.8)', { skip: NIX_SKIP }, () => {
  if (NIX_SKIP) return;
  const nix = new NixSandbox();
  after(() => nix.dispose());
  const env = { NIX_CONFIG };
  const nixFile = join(DRV_VECTORS, 'derivations.nix');
  const roots = nix.ok('nix-instantiate', [nixFile, '-A', 'all', '-A', 'experimental'], { env }).trim().split('\n');
  const store = join(nix.root, 'nix', 'store');
  const files = readdirSync(store).filter((f) => f.endsWith('.drv')).sort();
  const read = (p: StorePath) => parseDerivation(readFileSync(join(store, p.baseName)), { name: p.name.slice(0, -4), storeDir, whence: p.baseName });
  const lookup = makeDrvHashLookup(read, storeDir);
  const shown = JSON.parse(nix.ok('nix', ['show-derivation', '-r', ...roots], { env })) as Record<string, Record<string, unknown>>;

  it('instantiates the whole set', () => {
    assert.ok(files.length >= 25, files.join(' '));
  });

  for (const f of files) {
    const path = new StorePath(f);
    it(`reproduces ${f}: bytes, drv path, output paths, evaluator form and JSON`, () => {
      const bytes = readFileSync(join(store, f));
      const drv = read(path);
      assert.deepEqual(Buffer.from(printDerivation(drv, storeDir)), bytes);
      assert.equal(derivationStorePath(drv, storeDir).baseName, f);
      const computed = computeOutputPaths(drv, lookup, storeDir);
      assert.deepEqual([...computed].map(([k, p]) => [k, p?.baseName]), [...derivationOutputPaths(drv, storeDir)].map(([k, p]) => [k, p?.baseName]));
      checkInvariants(drv, lookup, storeDir);
      assert.deepEqual(Buffer.from(printDerivation(fillInOutputPaths(blank(drv), lookup, storeDir), storeDir)), bytes);
      assert.deepEqual(JSON.parse(printJson(derivationToJson(drv))), nix28ToV4(`/nix/store/${f}`, shown[`/nix/store/${f}`]!));
    });
  }

  it('prints the same unreadable .drv as Nix for a system containing a quote', () => {
    const r = nix.run('nix-instantiate', [nixFile, '-A', 'quoteSystem'], { env });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /error parsing derivation/);
    const f = readdirSync(store).find((x) => x.endsWith('-quote-system.drv'));
    assert.ok(f, 'Nix wrote the file before failing to read it back');
    const drv: Derivation = {
      name: 'quote-system',
      outputs: new Map([['out', { type: 'deferred' }]]),
      inputDrvs: [],
      inputSrcs: [],
      system: 'x"y',
      builder: '/bin/sh',
      args: [],
      env: new Map([['builder', '/bin/sh'], ['name', 'quote-system'], ['system', 'x"y']]),
    };
    const filled = fillInOutputPaths(drv, lookup, storeDir);
    assert.deepEqual(Buffer.from(printDerivation(filled, storeDir)), readFileSync(join(store, f)));
    assert.equal(derivationStorePath(filled, storeDir).baseName, f);
    assert.throws(() => read(new StorePath(f)), { name: 'FormatError', code: 'E_DRV_SYNTAX' });
  });

  it('agrees with the committed fixtures', () => {
    for (const f of readdirSync(DRV_VECTORS).filter((x) => x.endsWith('.drv'))) {
      if (f.includes('-with-srcs') || f.includes('-all.drv')) continue; // they hash derivations.nix itself
      assert.ok(existsSync(join(store, f)), `fixture ${f} is stale: run node tests/vectors/drv/generate.ts`);
      assert.deepEqual(printDerivation(readDrv(new StorePath(f)), storeDir), new Uint8Array(readFileSync(join(store, f))));
    }
  });
});

/** A Nix string literal holding exactly these bytes (raw bytes are written as they are). */
function nixString(s: string): string {
  return '"' + s.replace(/[\\"$\n\r\t]/g, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? '\\' + c) + '"';
}

describe('random derivations vs nix-instantiate (Nix 2.8)', { skip: NIX_SKIP }, () => {
  if (NIX_SKIP) return;
  // Bytes 1–255 (Nix 2.8 cuts strings at NUL), biased towards what the ATerm escapes.
  const bytes = fc.string({
    unit: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)) }, { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', '\r', '\t', '$', '${') }),
    maxLength: 30,
  });
  const spec = fc.record({
    env: fc.uniqueArray(fc.tuple(fc.stringMatching(/^v[A-Za-z0-9_-]{0,8}$/), bytes), { selector: (x) => x[0], maxLength: 6 }),
    args: fc.array(bytes, { maxLength: 4 }),
    outputs: fc.uniqueArray(fc.constantFrom('out', 'dev', 'bin', 'lib', 'doc'), { minLength: 1, maxLength: 3 }),
  });
  const specs = fc.sample(spec, { numRuns: 40, seed: 4242 });

  const nix = new NixSandbox();
  after(() => nix.dispose());
  const file = join(nix.root, 'random.nix');
  const attrs = specs.map((s, i) => {
    const env = s.env.map(([k, v]) => `${k} = ${nixString(v)};`).join(' ');
    return `r${i} = derivation { name = "r${i}"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ ${s.outputs.map(nixString).join(' ')} ]; args = [ ${s.args.map(nixString).join(' ')} ]; ${env} };`;
  });
  writeFileSync(file, Buffer.from(`{ ${attrs.join('\n')} }\n`, 'latin1'));
  const paths = nix.ok('nix-instantiate', [file, ...specs.flatMap((_, i) => ['-A', `r${i}`])]).trim().split('\n').map((l) => l.replace(/!.*$/, '')); // `!dev` when the first output is not `out`
  const lookup = makeDrvHashLookup(() => {
    throw new Error('no inputs expected');
  }, storeDir);

  it('builds the same .drv bytes and paths from the same attributes', () => {
    assert.equal(paths.length, specs.length);
    specs.forEach((s, i) => {
      const env = new Map<string, string>([['builder', '/bin/sh'], ['name', `r${i}`], ['system', 'x86_64-linux'], ...s.env]);
      // `outputs` becomes an env var when given (Nix passes every attribute but args).
      env.set('outputs', s.outputs.join(' '));
      const drv: Derivation = {
        name: `r${i}`,
        outputs: new Map(s.outputs.map((o) => [o, { type: 'deferred' as const }])),
        inputDrvs: [],
        inputSrcs: [],
        system: 'x86_64-linux',
        builder: '/bin/sh',
        args: s.args,
        env,
      };
      const filled = fillInOutputPaths(drv, lookup, storeDir);
      const drvPath = derivationStorePath(filled, storeDir);
      assert.equal(storeDir.printPath(drvPath), paths[i], `r${i}`);
      assert.deepEqual(Buffer.from(printDerivation(filled, storeDir)), readFileSync(join(nix.root, 'nix', 'store', drvPath.baseName)));
    });
  });
});
