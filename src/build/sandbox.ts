/**
 * What a sandbox runs and how it reports back. Two implementations: `sandbox-bwrap.ts`
 * (Nix's Linux sandbox rebuilt from bubblewrap's primitives) and `sandbox-none.ts`
 * (`sandbox = false`: the builder sees the host, as Nix without a sandbox).
 */

/** A host path made visible at `target` inside the sandbox (Nix's `sandbox-paths` entry). */
export interface SandboxPath {
  readonly target: string;
  readonly source: string;
  /** `path?` in `sandbox-paths`: skipped when the source does not exist. */
  readonly optional: boolean;
}

export interface SandboxRun {
  readonly builder: string;
  readonly args: readonly string[];
  /** The complete environment (byte strings, one code unit per byte). */
  readonly env: ReadonlyMap<string, string>;
  /** Logical store directory (`/nix/store`). */
  readonly storeDir: string;
  /** Host directory holding the build directory's files; the builder's working directory. */
  readonly hostBuildDir: string;
  /** Host directory seen writable at the store directory; outputs are created here. */
  readonly hostStoreDir: string;
  /** The input closure: store base name → physical path, bound read-only. */
  readonly inputs: ReadonlyMap<string, string>;
  readonly sandboxPaths: readonly SandboxPath[];
  /** Fixed-output derivations keep the host's network. */
  readonly network: boolean;
  /** File descriptor receiving the builder's stdout and stderr (the build log). */
  readonly logFd: number;
  /** The log's file, when it has one: a sandbox may open it itself (appending) instead of passing `logFd` on. */
  readonly logPath?: string;
  readonly signal?: AbortSignal;
}

export interface SandboxResult {
  /** Exit code of the builder, or null when it was killed by a signal. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Sandbox {
  readonly kind: 'bwrap' | 'none';
  /** Outputs are created in the real store directory (no sandbox, real /nix/store). */
  readonly inPlace: boolean;
  /** Where the builder sees its build directory (`/build` in the sandbox). */
  buildDirFor(hostBuildDir: string): string;
  run(run: SandboxRun): Promise<SandboxResult>;
}

/** Parse one `sandbox-paths` entry: `path`, `target=source`, either with a trailing `?` (optional). */
export function parseSandboxPath(entry: string): SandboxPath {
  let e = entry;
  let optional = false;
  if (e.endsWith('?')) {
    optional = true;
    e = e.slice(0, -1);
  }
  const eq = e.indexOf('=');
  return eq < 0 ? { target: e, source: e, optional } : { target: e.slice(0, eq), source: e.slice(eq + 1), optional };
}
