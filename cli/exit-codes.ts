/** Process exit codes of the tix command. */
export const EXIT_OK = 0;
/** Any failure reported as an error message (Nix also uses 1). */
export const EXIT_FAILURE = 1;
/** Wrong command-line usage. */
export const EXIT_USAGE = 2;
/** A build failed (Nix exits with 100 for build failures). */
export const EXIT_BUILD_FAILED = 100;
