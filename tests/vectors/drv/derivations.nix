# Derivations that exercise the .drv format, for tests/differential/store/drv.test.ts and
# for regenerating the fixtures beside this file (see generate.sh). Nothing is built.
let
  sys = "x86_64-linux";
  mk = attrs: derivation ({ system = sys; builder = "/bin/sh"; } // attrs);
  fixed = name: mode: algo: hash: extra: mk ({ inherit name; outputHashMode = mode; outputHashAlgo = algo; outputHash = hash; } // extra);
  zeros = n: builtins.concatStringsSep "" (builtins.genList (_: "0") n);
in rec {
  multi = mk { name = "multi"; outputs = [ "out" "dev" "lib" "bin" "a-b" ]; args = [ "-c" "true" ]; };

  # Fixed outputs: flat and recursive, several algorithms and hash spellings.
  flatSha1 = fixed "flat-sha1" "flat" "sha1" (zeros 40) { };
  flatSha256 = fixed "flat-sha256" "flat" "sha256" "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" { };
  flatSha512 = fixed "flat-sha512" "flat" "sha512" (zeros 128) { };
  flatMd5 = fixed "flat-md5" "flat" "md5" (zeros 32) { };
  recSha1 = fixed "rec-sha1" "recursive" "sha1" (zeros 40) { };
  recSha256 = fixed "rec-sha256" "recursive" "sha256" "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s" { };
  recSha512 = fixed "rec-sha512" "recursive" "sha512" (zeros 128) { };
  # Same name and hash, different builder args: same output path, same modulo hash.
  twinA = fixed "twin" "flat" "sha256" (zeros 64) { url = "http://a.example/x"; };
  twinB = fixed "twin" "flat" "sha256" (zeros 64) { url = "http://b.example/x"; };

  odd = mk {
    name = "odd";
    args = [ "quote\"" "back\\slash" "nl\nnl" "tab\tx" "cr\rx" "dollar$" "" ];
    quotes = "say \"hi\"";
    backslashes = "a\\b\\\\c\\";
    newlines = "line1\nline2\n\n";
    tabs = "\tx\t";
    cr = "a\r\nb";
    unicode = "é ü 中文 🦀";
    control = builtins.fromJSON "\"bell\\u0007-esc\\u001b\"";
    notUtf8 = builtins.substring 1 1 "é" + builtins.substring 0 1 "é"; # bytes a9 c3
    empty = "";
    "10" = "ten";
    "9" = "nine";
    "with space" = "x";
  };

  # A chain: chain3 -> chain2 -> chain1, using different outputs.
  chain1 = mk { name = "chain1"; outputs = [ "out" "dev" ]; };
  chain2 = mk { name = "chain2"; args = [ "${chain1.dev}" "${chain1}" ]; };
  chain3 = mk { name = "chain3"; args = [ "${chain2}" ]; };

  # A diamond: top -> left, right -> bottom; plus fixed-output inputs.
  bottom = mk { name = "bottom"; };
  left = mk { name = "left"; b = bottom; f = recSha256; };
  right = mk { name = "right"; b = bottom; f = flatSha1; };
  top = mk { name = "top"; l = left; r = right; t1 = twinA; t2 = twinB; };

  # Input sources: a toFile text (with a reference to another) and a path literal.
  srcText = builtins.toFile "note.txt" "a note";
  srcRef = builtins.toFile "ref.txt" "see ${srcText}";
  withSrcs = mk { name = "with-srcs"; args = [ srcRef "${./derivations.nix}" ]; dep = chain1; };

  structured = mk { name = "structured"; __structuredAttrs = true; n = 1; s = "x\"y"; l = [ 1 "x" true null ]; "10" = "a"; "9" = "b"; };

  # Need `experimental-features = ca-derivations impure-derivations`.
  caFloating = mk { name = "ca-floating"; __contentAddressed = true; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputs = [ "out" "dev" ]; };
  dependsOnCa = mk { name = "depends-on-ca"; args = [ "${caFloating}" "${caFloating.dev}" ]; };
  impure = mk { name = "impure"; __impure = true; };
  experimental = mk { name = "experimental"; deps = [ dependsOnCa impure ]; };

  # Nix 2.8 prints the system unescaped, so this writes a .drv it cannot read back.
  quoteSystem = derivation { name = "quote-system"; system = "x\"y"; builder = "/bin/sh"; };

  # Everything above, so one nix-instantiate call writes them all.
  all = mk {
    name = "all";
    deps = [ multi flatSha512 flatMd5 recSha1 recSha512 flatSha256 odd chain3 top withSrcs structured ];
  };
}
