/**
 * Nix-style argument parsing: long flags (`--json`), short aliases (`-A`), flags that take
 * one value (`--type sha256`, `--type=sha256`) or two (`--arg NAME EXPR`), repeatable flags,
 * and `--` to end flags. Compound short flags are expanded as Nix does (`-lR` → `-l -R`,
 * `-j3` → `-j 3`). Every command declares its flags; unknown ones are usage errors.
 */

export interface FlagSpec {
  /** Long name without dashes, e.g. 'json'. */
  readonly name: string;
  /** Other spellings with their dashes, e.g. ['-A']. */
  readonly aliases?: readonly string[];
  /** Number of values the flag consumes (0, 1 or 2). */
  readonly arity?: 0 | 1 | 2;
  readonly repeatable?: boolean;
}

export interface ParsedArgs {
  /** Flags seen: arity 0 → true, arity 1 → string, arity 2 → [string, string]; repeatable → array of those. */
  readonly flags: Map<string, unknown>;
  readonly positionals: string[];
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'E_USAGE';
}

/**
 * Flags every command accepts, as in Nix: `--option NAME VALUE` (repeatable) and
 * `--store DIR`. Read them with `cli/settings.ts`. A command that declares a flag of the
 * same name keeps its own.
 */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  { name: 'option', arity: 2, repeatable: true },
  { name: 'store', arity: 1 },
];

const isAlpha = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);

/** Nix's expansion of compound short flags (libutil/args.cc): `-qlf` → `-q -l -f`, `-j3` → `-j 3`. */
export function expandShortFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg.length > 2 && arg[0] === '-' && arg[1] !== '-' && isAlpha(arg[1])) {
      out.push('-' + arg[1]);
      for (let j = 2; j < arg.length; j++) {
        if (isAlpha(arg[j])) out.push('-' + arg[j]);
        else {
          out.push(arg.slice(j));
          break;
        }
      }
      continue;
    }
    out.push(arg);
  }
  return out;
}

export function parseArgs(rawArgv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const argv = expandShortFlags(rawArgv);
  const byName = new Map<string, FlagSpec>();
  const own = new Set(specs.map((s) => s.name));
  for (const s of [...specs, ...COMMON_FLAGS.filter((c) => !own.has(c.name))]) {
    byName.set('--' + s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const flags = new Map<string, unknown>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let key = arg;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      key = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    }
    const spec = byName.get(key);
    if (!spec) throw new UsageError(`unrecognised flag '${arg}'`);
    const arity = spec.arity ?? 0;
    let value: unknown;
    if (arity === 0) {
      if (inline !== undefined) throw new UsageError(`flag '${key}' does not take a value`);
      value = true;
    } else if (arity === 1) {
      if (inline !== undefined) value = inline;
      else {
        if (i + 1 >= argv.length) throw new UsageError(`flag '${key}' requires an argument`);
        value = argv[++i];
      }
    } else {
      if (i + 2 >= argv.length) throw new UsageError(`flag '${key}' requires two arguments`);
      value = [argv[i + 1], argv[i + 2]];
      i += 2;
    }
    if (spec.repeatable) {
      const list = (flags.get(spec.name) as unknown[] | undefined) ?? [];
      list.push(value);
      flags.set(spec.name, list);
    } else {
      flags.set(spec.name, value);
    }
  }
  return { flags, positionals };
}

/** Typed accessors over ParsedArgs. */
export function flagBool(a: ParsedArgs, name: string): boolean {
  return a.flags.get(name) === true;
}

export function flagString(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagList(a: ParsedArgs, name: string): string[] {
  const v = a.flags.get(name);
  return Array.isArray(v) ? (v as string[]) : [];
}

export function flagPairs(a: ParsedArgs, name: string): [string, string][] {
  const v = a.flags.get(name);
  return Array.isArray(v) ? (v as [string, string][]) : [];
}
