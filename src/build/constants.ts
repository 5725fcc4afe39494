/**
 * Fixed values of Nix's Linux build sandbox (libstore `LocalDerivationGoal` in Nix 2.8,
 * `ChrootLinuxDerivationBuilder` upstream). Builders see these, so they are part of what
 * makes a tix build produce the same bytes as a Nix build.
 */

/** The build directory inside the sandbox (Nix's `sandbox-build-dir` default). */
export const SANDBOX_BUILD_DIR = '/build';

/** `HOME` for builders: a path that does not exist, so tools skip their dotfiles. */
export const HOMELESS_SHELTER = '/homeless-shelter';

/** `PATH` for builders: set, so shells do not fall back to a default PATH. */
export const PATH_NOT_SET = '/path-not-set';

/** uid and gid of the build user inside the sandbox (`nixbld`, user namespace with one id). */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 100;

/** Host name and NIS domain name builders see (the kernel default domain is "(none)"). */
export const SANDBOX_HOSTNAME = 'localhost';

/** `/etc/passwd` Nix writes into the sandbox; the build dir is every user's home. */
export function sandboxPasswd(buildDir: string = SANDBOX_BUILD_DIR): string {
  return (
    `root:x:0:0:Nix build user:${buildDir}:/noshell\n` +
    `nixbld:x:${SANDBOX_UID}:${SANDBOX_GID}:Nix build user:${buildDir}:/noshell\n` +
    'nobody:x:65534:65534:Nobody:/:/noshell\n'
  );
}

/** `/etc/group` Nix writes into the sandbox. */
export const SANDBOX_GROUP = `root:x:0:\nnixbld:!:${SANDBOX_GID}:\nnogroup:x:65534:\n`;

/** `/etc/hosts` of a sandboxed (non fixed-output) build. */
export const SANDBOX_HOSTS = '127.0.0.1 localhost\n::1 localhost\n';

/** `/etc/nsswitch.conf` of a fixed-output build: resolve hosts and services only. */
export const FOD_NSSWITCH = 'hosts: files dns\nservices: files\n';

/** Host files a fixed-output build sees, for name resolution (bound only when they exist). */
export const FOD_HOST_FILES = ['/etc/resolv.conf', '/etc/services', '/etc/hosts'] as const;

/** Host device nodes of the sandbox's minimal /dev (bwrap's `--dev` provides these plus pts). */
export const SANDBOX_DEVICES = ['/dev/full', '/dev/null', '/dev/random', '/dev/tty', '/dev/urandom', '/dev/zero'] as const;

/** Umask builders start with (Nix sets 0022 in the child). */
export const BUILDER_UMASK = 0o022;

/** Lines of a failed build's log shown with the error (Nix's `log-lines` default). */
export const DEFAULT_LOG_LINES = 25;

/** Exit code of `nix-build` / `tix build` when a build failed. */
export const EXIT_BUILD_FAILURE = 100;
