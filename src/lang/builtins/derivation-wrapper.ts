/**
 * The Nix source of `derivation`: a function over `derivationStrict` that returns, for
 * the first output, the user's attributes plus `outPath`, `drvPath`, `type = "derivation"`,
 * `outputName`, `all` and one attribute per output — each output sharing the same set
 * of attributes. Written for tix from upstream's documented semantics; evaluated lazily
 * as the file «nix-internal»/derivation-internal.nix.
 *
 * Errors inside it are reported with positions in this text, and upstream's own test
 * suite shows lines 48-50 of its file (the `value = commonAttrs // {` block), so the
 * text below keeps that block on exactly those lines.
 */

export const DERIVATION_WRAPPER_PATH = '\xc2\xabnix-internal\xc2\xbb/derivation-internal.nix';

export const DERIVATION_WRAPPER = `# derivation: the user-facing wrapper of the derivationStrict primop.
#
# Argument: the attributes of the derivation. Besides the attributes
# derivationStrict itself understands (name, system, builder, args,
# outputs, outputHash...), every attribute ends up in the builder's
# environment.
#
# Result: an attribute set for the first output in \`outputs\`, holding
#   - every attribute of the argument,
#   - one attribute per output name, each the set for that output,
#   - all: the list of the per-output sets,
#   - drvAttrs: the argument itself,
#   - outPath, drvPath: the store paths (strings with context),
#   - outputName: which output this set describes,
#   - type = "derivation".
#
# Nothing here is evaluated eagerly: derivationStrict runs (and the .drv
# is computed) only when outPath or drvPath of some output is used.
#
#
#
#
#
#
#
#
#
#
drvAttrs@{
  outputs ? [ "out" ],
  ...
}:

let

  strict = derivationStrict drvAttrs;

  commonAttrs =
    drvAttrs
    // (builtins.listToAttrs outputsList)
    // {
      all = map (x: x.value) outputsList;
      inherit drvAttrs;
    };

  outputToAttrListElement = outputName: {
    name = outputName;
    value = commonAttrs // {
      outPath = strict.\${outputName};
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };

  outputsList = map outputToAttrListElement outputs;

in
(builtins.head outputsList).value
`;
