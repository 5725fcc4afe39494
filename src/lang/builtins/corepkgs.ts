/**
 * Files the evaluator provides under `<nix/…>` (upstream's corepkgs): `<nix/fetchurl.nix>`,
 * a function that makes a `builtin:fetchurl` fixed-output derivation. Written for tix; the
 * derivation attributes (and so the `.drv` and its paths) are the ones Nix produces.
 */

export const COREPKGS_PREFIX = '/__corepkgs__/';

const FETCHURL = `# <nix/fetchurl.nix>: download a file as a fixed-output derivation built by
# Nix's built-in fetcher. Give the expected content as an SRI \`hash\` or as
# one of md5/sha1/sha256/sha512; \`unpack\`/\`executable\` hash the result
# recursively instead of flat; \`impure\` skips the hash altogether.
{ system ? "", url, hash ? "", md5 ? "", sha1 ? "", sha256 ? "", sha512 ? ""
, outputHash ? (let legacy = [ sha512 sha1 md5 ]; pick = l: if l == [ ] then sha256 else if builtins.head l != "" then builtins.head l else pick (builtins.tail l); in if hash != "" then hash else pick legacy)
, outputHashAlgo ? (if hash != "" then "" else if sha512 != "" then "sha512" else if sha1 != "" then "sha1" else if md5 != "" then "md5" else "sha256")
, executable ? false, unpack ? false, name ? baseNameOf (toString url), impure ? false }:
let
  common = {
    inherit name url executable unpack;
    builder = "builtin:fetchurl";
    system = "builtin";
    outputHashMode = if unpack || executable then "recursive" else "flat";
    preferLocalBuild = true;
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
    urls = [ url ];
  };
  checked = if impure then { __impure = true; } else { inherit outputHashAlgo outputHash; };
in derivation (common // checked)
`;

export const COREPKGS = new Map<string, string>([[COREPKGS_PREFIX + 'fetchurl.nix', FETCHURL]]);
