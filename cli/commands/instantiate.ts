/**
 * `tix instantiate`: nix-instantiate. Parses files, `-` (stdin) or `-E` expressions; with
 * `--parse` prints them as upstream's `Expr::show` does; with `--eval` evaluates and prints
 * the value (`--strict`, `--json`, `--xml` [`--no-location`], `--raw`); otherwise
 * instantiates the derivations and prints their `.drv` paths. `-A`, `--arg`, `--argstr`,
 * `-I`/NIX_PATH, `--show-trace`, `--option NAME VALUE` and settings given as flags
 * (`--max-call-depth 100`) work as in Nix; settings are also read from nix.conf/NIX_CONFIG.
 * stdout gets exactly what Nix prints; errors go to stderr in Nix's layout, exit 1.
 */

import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { flagBool, flagList, flagPairs, flagString, parseArgs, UsageError, type FlagSpec, type ParsedArgs } from '../args.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';
import { writeStderr, writeStdout } from '../output.ts';
import {
  BASE_ENV_NAMES,
  canonPath,
  defaultSettings,
  Evaluator,
  NixSyntaxError,
  parse,
  parseLintLevel,
  processExpr,
  resolve,
  showExpr,
  Source,
  type EvalSettings,
  type ParsedFile,
} from '../../src/lang/index.ts';
import {
  autoArgs,
  exprInputs,
  latin1,
  loadNixConfig,
  NodeEvalHost,
  renderNixError,
  resolveExprPath,
  resolveStoreLayout,
  searchPath,
  StoreWrites,
  writeToStore,
  type NixConfig,
} from '../../src/glue/index.ts';
import { commandSettings } from '../settings.ts';

export const summary = 'evaluate or instantiate Nix expressions (nix-instantiate)';

export const help = `Usage: tix instantiate [FLAGS] [FILE... | - | -E EXPR...]

  --eval                  evaluate and print the value instead of instantiating
  --strict                evaluate the value deeply (with --eval)
  --json | --xml | --raw  print the value as JSON, XML or a raw string
  --no-location           omit source positions from --xml output
  --parse                 print the parsed expression (upstream's format) and stop
  -E, --expr              the arguments are expressions, not files
  -                       read an expression from standard input
  -A, --attr PATH         select an attribute (repeatable)
  --arg NAME EXPR         pass NAME = EXPR to a top-level function
  --argstr NAME STRING    pass NAME = "STRING" to a top-level function
  -I, --include PATH      add to the search path (before NIX_PATH)
  --show-trace            show the full evaluation trace on errors
  --read-write-mode       (accepted) write derivations even with --eval
  --add-root PATH         (accepted) GC root for instantiated derivations
  --option NAME VALUE     set a Nix setting (max-call-depth, pure-eval, …)
  --max-call-depth N, --pure-eval, --extra-experimental-features F, …   settings as flags

Files default to ./default.nix; a directory means its default.nix. Errors are printed as
Nix prints them, with a non-zero exit.`;

const LINT_SETTINGS = ['lint-absolute-path-literals', 'lint-short-path-literals', 'lint-url-literals'] as const;
const LINT_KEYS = { 'lint-absolute-path-literals': 'absolutePathLiterals', 'lint-short-path-literals': 'shortPathLiterals', 'lint-url-literals': 'urlLiterals' } as const;

/** Nix settings accepted as flags (`--NAME VALUE`, or `--NAME` / `--no-NAME` for booleans). */
const BOOL_SETTINGS = ['pure-eval', 'restrict-eval', 'show-trace', 'trace-verbose', 'abort-on-warn', 'allow-import-from-derivation', 'impure'];
const VALUE_SETTINGS = ['max-call-depth', 'experimental-features', 'extra-experimental-features', 'nix-path', 'extra-nix-path', 'system', 'eval-store', 'eval-system', ...LINT_SETTINGS];

export const FLAGS: readonly FlagSpec[] = [
  { name: 'parse', aliases: ['--parse-only'] },
  { name: 'expr', aliases: ['-E'] },
  { name: 'eval', aliases: ['--eval-only'] },
  { name: 'strict' },
  { name: 'json' },
  { name: 'xml' },
  { name: 'raw' },
  { name: 'no-location' },
  { name: 'attr', aliases: ['-A'], arity: 1, repeatable: true },
  { name: 'arg', arity: 2, repeatable: true },
  { name: 'argstr', arity: 2, repeatable: true },
  { name: 'include', aliases: ['-I'], arity: 1, repeatable: true },
  { name: 'read-write-mode' },
  { name: 'add-root', arity: 1 },
  { name: 'indirect' },
  { name: 'dry-run' },
  { name: 'find-file' },
  { name: 'repair' },
  { name: 'option', arity: 2, repeatable: true },
  ...BOOL_SETTINGS.flatMap((n) => [{ name: n }, { name: `no-${n}` }]),
  ...VALUE_SETTINGS.map((n) => ({ name: n, arity: 1 as const, repeatable: true })),
];

function truthy(v: string): boolean {
  return v === 'true' || v === '1' || v === 'yes';
}

/** Settings from nix.conf/NIX_CONFIG, then `--option`, then setting flags (later wins). */
function collectSettings(args: ParsedArgs, conf: NixConfig): { settings: EvalSettings; nixPathSetting: string[] | undefined; system: string | undefined } {
  const s = defaultSettings();
  let nixPathSetting: string[] | undefined;
  let system: string | undefined;
  const set = (name: string, value: string): void => {
    switch (name) {
      case 'show-trace':
        s.showTrace = truthy(value);
        break;
      case 'max-call-depth':
        s.maxCallDepth = Number(value);
        break;
      case 'pure-eval':
        s.pureEval = truthy(value);
        break;
      case 'impure':
        s.pureEval = !truthy(value);
        break;
      case 'restrict-eval':
        s.restrictEval = truthy(value);
        break;
      case 'trace-verbose':
        s.traceVerbose = truthy(value);
        break;
      case 'abort-on-warn':
        s.abortOnWarn = truthy(value);
        break;
      case 'experimental-features':
        s.experimentalFeatures = new Set(value.split(/\s+/).filter(Boolean));
        break;
      case 'extra-experimental-features':
        for (const f of value.split(/\s+/).filter(Boolean)) s.experimentalFeatures.add(f);
        break;
      case 'nix-path':
        nixPathSetting = value.split(/\s+/).filter(Boolean);
        break;
      case 'extra-nix-path':
        nixPathSetting = [...(nixPathSetting ?? []), ...value.split(/\s+/).filter(Boolean)];
        break;
      case 'lint-absolute-path-literals':
      case 'lint-short-path-literals':
      case 'lint-url-literals': {
        const level = parseLintLevel(value);
        if (level === undefined) throw new UsageError(`invalid value '${value}' for setting '${name}'`);
        s.lints[LINT_KEYS[name]] = level;
        break;
      }
      case 'system':
      case 'eval-system':
        system = value;
        break;
    }
  };
  for (const [k, v] of conf) set(k, v);
  for (const [k, v] of flagPairs(args, 'option')) set(k, v);
  for (const n of BOOL_SETTINGS) {
    if (flagBool(args, n)) set(n, 'true');
    if (flagBool(args, `no-${n}`)) set(n, 'false');
  }
  for (const n of VALUE_SETTINGS) for (const v of flagList(args, n)) set(n, v);
  return { settings: s, nixPathSetting, system };
}

/** Where `runInstantiate` reads and writes: the process, or a test's buffers. Text is latin1 bytes. */
export interface InstantiateIO {
  readonly stdout: (bytes: string) => void;
  readonly stderr: (bytes: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly readStdin: () => string;
  /** Where the store's files are (a chroot store), for reads of store paths. */
  readonly realStoreDir?: string;
  /** Record the store writes here (instantiation); unset: compute paths only. */
  readonly writes?: StoreWrites;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  const layout = resolveStoreLayout(commandSettings(args).store);
  // Instantiating writes the sources and .drv files into the store, as nix-instantiate
  // does: evaluation computes every path, then they are written, then printed.
  const writing = !flagBool(args, 'parse') && (!flagBool(args, 'eval') || flagBool(args, 'read-write-mode'));
  const writes = writing ? new StoreWrites() : undefined;
  let out = '';
  const code = runInstantiate(argv, {
    stdout: (b) => (writing ? (out += b) : writeStdout(Buffer.from(b, 'latin1'))),
    stderr: (b) => writeStderr(Buffer.from(b, 'latin1')),
    env: process.env,
    cwd: process.cwd(),
    readStdin: () => readFileSync(0).toString('latin1'),
    realStoreDir: layout.realStoreDir,
    writes,
  });
  // The local store's modules (database, signatures) load only when something is written.
  if (writes !== undefined) await writeToStore(writes, layout);
  if (out !== '') writeStdout(Buffer.from(out, 'latin1'));
  return code;
}

/** nix-instantiate with the given arguments; returns the exit code. */
export function runInstantiate(argv: string[], io: InstantiateIO): number {
  const args = parseArgs(argv, FLAGS);
  const env = io.env;
  const { settings, nixPathSetting, system } = collectSettings(args, loadNixConfig(env));
  // Paths inside the evaluator are latin1 byte strings.
  const cwd = latin1(io.cwd);
  const fromArgs = flagBool(args, 'expr');
  const positionals = args.positionals.filter((a) => a !== '-');
  const readStdin = args.positionals.includes('-');

  if (flagBool(args, 'parse')) return parseOnly(io, settings, positionals, fromArgs, readStdin);

  const nixPath = searchPath(flagList(args, 'include'), env, nixPathSetting);
  const evalOnly = flagBool(args, 'eval');
  settings.readOnly = evalOnly && !flagBool(args, 'read-write-mode');
  const host = new NodeEvalHost({ nixPath: nixPath.map(latin1), system, env, cwd, log: (line) => io.stderr(line + '\n'), realStoreDir: io.realStoreDir, writes: io.writes });
  const ev = new Evaluator({
    host,
    settings,
    dumpJs: env['TIX_DUMP_JS'] ? (path, js) => io.stderr(`// ${path}\n${js}\n`) : undefined,
  });

  const output = flagBool(args, 'json') ? 'json' : flagBool(args, 'xml') ? 'xml' : flagBool(args, 'raw') ? 'raw' : 'plain';
  try {
    const auto = autoArgs(ev, flagPairs(args, 'arg'), flagPairs(args, 'argstr'), cwd);
    const inputs = exprInputs(ev, { args: positionals, exprs: fromArgs, stdin: readStdin ? io.readStdin : undefined }, cwd);
    const opts = {
      attrPaths: flagList(args, 'attr').map(latin1),
      autoArgs: auto,
      evalOnly,
      strict: flagBool(args, 'strict'),
      output,
      location: !flagBool(args, 'no-location'),
    } as const;
    for (const input of inputs) {
      const file = ev.run(input);
      const out = processExpr(ev, file, opts);
      io.stdout(out);
      if (!evalOnly && out !== '' && flagString(args, 'add-root') === undefined) {
        io.stderr("warning: you did not specify '--add-root'; the result might be removed by the garbage collector\n");
      }
    }
  } catch (e) {
    const text = renderNixError(e, settings.showTrace);
    if (text === undefined) throw e;
    io.stderr(text);
    if (env['TIX_DEBUG'] && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    return EXIT_FAILURE;
  } finally {
    host.dispose();
  }
  return 0;
}

function parseOnly(io: InstantiateIO, settings: EvalSettings, positionals: string[], fromArgs: boolean, readStdin: boolean): number {
  const cwd = latin1(io.cwd);
  const home = io.env['HOME'] ?? '';
  const options = { home, pureEval: settings.pureEval, pipeOperators: settings.experimentalFeatures.has('pipe-operators'), lints: settings.lints };
  const inputs: (() => { source: Source; basePath: string })[] = [];
  if (readStdin) inputs.push(() => ({ source: new Source({ kind: 'stdin' }, io.readStdin()), basePath: cwd }));
  if (fromArgs) {
    for (const text of positionals) inputs.push(() => ({ source: new Source({ kind: 'string' }, latin1(text)), basePath: cwd }));
  } else {
    const files = positionals.length || readStdin ? positionals : ['./default.nix'];
    for (const f of files) {
      inputs.push(() => {
        const path = resolveExprPath(canonPath(latin1(f), cwd));
        return { source: new Source({ kind: 'file', path }, readFileSync(Buffer.from(path, 'latin1')).toString('latin1')), basePath: dirname(path) };
      });
    }
  }
  try {
    for (const input of inputs) {
      const { source, basePath } = input();
      const file: ParsedFile = parse(source, { ...options, basePath, warn: (m) => io.stderr(`warning: ${m}\n`) });
      resolve(file, { baseEnv: BASE_ENV_NAMES });
      io.stdout(showExpr(file.root) + '\n');
    }
  } catch (e) {
    if (e instanceof NixSyntaxError) {
      io.stderr(e.render());
      return EXIT_FAILURE;
    }
    throw e;
  }
  return 0;
}
