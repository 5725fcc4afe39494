/**
 * EvalHost: the only way the evaluator reaches the world (files, environment, clock, store,
 * output). lang/ is pure; src/glue/ implements this over node:fs and the store formats.
 *
 * All paths and file contents are latin1 byte strings (one JS char per byte), like every
 * string inside the evaluator. Calls are synchronous: evaluation is.
 *
 * Errors: a host method that fails throws a `HostError` carrying upstream's message text
 * (e.g. "path '/x' does not exist"); the evaluator adds its traces around it.
 */

export type FileType = 'regular' | 'directory' | 'symlink' | 'unknown';

/** How a path is added to the store (upstream `ContentAddressMethod` for sources). */
export type IngestionMethod = 'nar' | 'flat' | 'text';

export interface AddToStoreRequest {
  /** What to add: a path on disk (with an optional filter) or literal contents. */
  readonly source: { readonly kind: 'path'; readonly path: string; readonly filter?: (path: string, type: FileType) => boolean } | { readonly kind: 'text'; readonly contents: string };
  /** The store path name. */
  readonly name: string;
  readonly method: IngestionMethod;
  /** Hash algorithm for `flat`/`nar` fixed-output paths (default sha256). */
  readonly hashAlgo?: 'md5' | 'sha1' | 'sha256' | 'sha512';
  /** Store paths the text refers to (`text` method only). */
  readonly references?: readonly string[];
  /** Expected hash (`builtins.path { sha256 = ...; }`): lowercase base16 of the NAR/flat hash. */
  readonly expectedHash?: string;
}

export interface AddToStoreResult {
  /** Absolute store path. */
  readonly path: string;
  /** Base16 digest of the content hash (NAR hash for `nar`), for `builtins.path` checks. */
  readonly hash?: string;
}

/** How the outputs of a derivation are addressed (upstream `DerivationOutput` kinds). */
export type OutputSpec =
  | { readonly kind: 'inputAddressed' }
  | { readonly kind: 'fixed'; readonly method: 'flat' | 'nar' | 'text' | 'git'; readonly hashAlgo: string | undefined; readonly hash: string }
  | { readonly kind: 'floating'; readonly method: 'flat' | 'nar' | 'text' | 'git'; readonly hashAlgo: string }
  | { readonly kind: 'impure'; readonly method: 'flat' | 'nar' | 'text' | 'git'; readonly hashAlgo: string };

/**
 * A derivation as `derivationStrict` collects it. The host turns the string context into
 * inputs (expanding `=…drv` closures), fills in output paths (input-addressed via
 * hashDerivationModulo, or fixed-output), computes the `.drv` path and writes it when it can.
 */
export interface DerivationRequest {
  readonly name: string;
  readonly builder: string;
  readonly platform: string;
  readonly args: readonly string[];
  /** Environment, including an entry per output ("" to be filled, or a placeholder for floating CA outputs). */
  readonly env: ReadonlyMap<string, string>;
  /** `__structuredAttrs`: the JSON object text, when set. */
  readonly structuredAttrs?: string;
  readonly outputs: readonly string[];
  readonly spec: OutputSpec;
  /** The collected string context, in upstream's encoding. */
  readonly context: readonly string[];
}

export interface DerivationResult {
  /** Absolute path of the `.drv`. */
  readonly drvPath: string;
  /** Output name → absolute output path (a placeholder for floating CA outputs). */
  readonly outputs: ReadonlyMap<string, string>;
}

export interface EvalHost {
  // --- Filesystem (read-only) -------------------------------------------------------------
  /** Contents of a regular file (following symlinks). */
  readFile(path: string): string;
  /** Type of `path` without following a final symlink, or undefined when it does not exist. */
  lstat(path: string): FileType | undefined;
  /** Type of `path` following symlinks, or undefined when it (or its target) does not exist. */
  stat(path: string): FileType | undefined;
  /** Entries of a directory with their types (not following symlinks), unsorted. */
  readDir(path: string): [string, FileType][];
  /** Target of a symlink. */
  readLink(path: string): string;
  /**
   * `path` with every symlink in it resolved, as far as the path exists (upstream
   * `SourcePath::resolveSymlinks(Full)`); `ancestors` leaves the last component alone.
   */
  resolveSymlinks(path: string, ancestorsOnly?: boolean): string;

  // --- Environment ------------------------------------------------------------------------
  getEnv(name: string): string | undefined;
  /** Seconds since the epoch, read once per evaluation (`builtins.currentTime`). */
  currentTime(): number;
  readonly currentSystem: string;
  readonly storeDir: string;
  /** Search path entries from -I and NIX_PATH / nix-path, in order (`prefix=path` or `path`). */
  readonly nixPath: readonly string[];
  /** The working directory (relative search path entries are resolved against it). */
  readonly cwd: string;
  /** Where `~` points (for `~/` path literals the parser already expanded; used by fetchers). */
  readonly home?: string;

  // --- Output -----------------------------------------------------------------------------
  /** A complete diagnostic line for stderr (`trace: …`, `warning: …`), without the newline. */
  log(line: string): void;

  // --- Store ------------------------------------------------------------------------------
  /** Compute (and, when the host can write, add) a store path for a source or text. */
  addToStore(req: AddToStoreRequest): AddToStoreResult;
  /** Hash and (when possible) write a derivation; returns its path and output paths. */
  writeDerivation(drv: DerivationRequest): DerivationResult;
  /** Whether a store path is valid in the host's store (for `builtins.storePath`). */
  isValidPath?(path: string): boolean;
  /** Hash a file or string for `hashFile` (base16 digest). */
  hashFile?(algo: string, path: string): string;

  // --- Fetchers ---------------------------------------------------------------------------
  fetch?(kind: 'url' | 'tarball' | 'git' | 'tree', args: ReadonlyMap<string, unknown>): FetchResult;
}

export interface FetchResult {
  /** Absolute store path. */
  readonly storePath: string;
  /** Extra attributes fetchers return (rev, shortRev, lastModified, narHash…). */
  readonly attrs?: ReadonlyMap<string, string | number | boolean>;
}

/** A failure reported by the host, with a message in upstream's words. */
export class HostError extends Error {
  override readonly name = 'HostError';
  readonly code: string;
  constructor(message: string, code = 'E_HOST') {
    super(message);
    this.code = code;
  }
}
