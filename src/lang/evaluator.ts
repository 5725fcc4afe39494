/**
 * The evaluator's entry point: an `Evaluator` owns one run's state (settings, host, base
 * environment, import cache) and evaluates files and strings. Everything below it is
 * synchronous; `run` makes the state current and turns a JavaScript stack overflow into
 * Nix's "stack overflow" error so that deep recursion never crashes the process.
 */

import type { ParsedFile } from './ast.ts';
import { createBaseEnv } from './builtins/index.ts';
import { DERIVATION_WRAPPER, DERIVATION_WRAPPER_PATH } from './builtins/derivation-wrapper.ts';
import { COREPKGS } from './builtins/corepkgs.ts';
import { compile } from './eval/compile.ts';
import { EvalError, StackOverflowError } from './eval/errors.ts';
import { setInternalPosCheck } from './eval/select.ts';
import { defaultSettings, setState, type EvalSettings, type EvalState } from './eval/state.ts';
import type { EvalHost } from './host.ts';
import { HostError } from './host.ts';
import { parse } from './parse.ts';
import { resolve } from './resolve.ts';
import { Source } from './source.ts';
import type { Attrs, Value } from './value/value.ts';

export interface EvaluatorOptions {
  readonly host: EvalHost;
  readonly settings?: Partial<EvalSettings>;
  /** Receives the generated JavaScript of each compiled file (debugging: TIX_DUMP_JS). */
  readonly dumpJs?: (path: string, js: string) => void;
}

/** Sources the evaluator provides itself (upstream's internal and corepkgs files). */
const INTERNAL_FILES = new Map<string, string>([[DERIVATION_WRAPPER_PATH, DERIVATION_WRAPPER], ...COREPKGS]);

export class Evaluator {
  readonly state: EvalState;
  readonly #baseNames: string[];
  readonly #dumpJs: ((path: string, js: string) => void) | undefined;

  constructor(opts: EvaluatorOptions) {
    const settings: EvalSettings = { ...defaultSettings(), ...opts.settings };
    this.#dumpJs = opts.dumpJs;
    const state: EvalState = {
      settings,
      host: opts.host,
      parseFile: (path, extra) => this.parseFile(path, extra),
      evalParsed: (file, scope) => this.evalParsed(file, scope),
      fileCache: new Map(),
      builtins: undefined,
      baseEnv: new Map(),
      extra: new Map(),
    };
    this.state = state;
    createBaseEnv(state, () => this.evalParsed(this.parseFile(DERIVATION_WRAPPER_PATH)));
    this.#baseNames = [...state.baseEnv.keys()];
    setInternalPosCheck((p) => p.source.path === DERIVATION_WRAPPER_PATH);
  }

  /** Parse and resolve a source (syntax errors are NixSyntaxError). */
  parseSource(source: Source, basePath: string, extraScope?: readonly string[]): ParsedFile {
    const host = this.state.host;
    const file = parse(source, {
      basePath,
      home: host.home,
      pureEval: this.state.settings.pureEval,
      pipeOperators: this.state.settings.experimentalFeatures.has('pipe-operators'),
      warn: (m) => host.log(`warning: ${m}`),
      lints: this.state.settings.lints,
    });
    resolve(file, { baseEnv: this.#baseNames, extraScope });
    return file;
  }

  parseFile(path: string, extraScope?: readonly string[]): ParsedFile {
    const internal = INTERNAL_FILES.get(path);
    let text: string;
    if (internal !== undefined) text = internal;
    else {
      try {
        text = this.state.host.readFile(path);
      } catch (e) {
        if (e instanceof HostError) throw new EvalError(e.message);
        throw e;
      }
    }
    const slash = path.lastIndexOf('/');
    return this.parseSource(new Source({ kind: 'file', path }, text), slash <= 0 ? '/' : path.slice(0, slash), extraScope);
  }

  parseString(text: string, basePath: string, origin: 'string' | 'stdin' = 'string'): ParsedFile {
    return this.parseSource(new Source({ kind: origin }, text), basePath);
  }

  /** Evaluate a parsed file to weak head normal form (inside `run`). */
  evalParsed(file: ParsedFile, scope?: Attrs): Value {
    const dump = this.#dumpJs;
    const fn = compile(file, {
      base: this.state.baseEnv,
      scope,
      dump: dump ? (js) => dump(file.source.displayName, js) : undefined,
    });
    return fn();
  }

  /** Run `f` with this evaluator's state current. A JS stack overflow becomes Nix's error. */
  run<T>(f: () => T): T {
    setState(this.state);
    try {
      return f();
    } catch (e) {
      if (e instanceof RangeError && /call stack/i.test(e.message)) throw new StackOverflowError(undefined, 'stack overflow (possible infinite recursion)');
      throw e;
    }
  }
}
