let
  d = derivation {
    name = "hello";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo hi > $out" ];
    outputs = [ "out" "dev" ];
    n = 1;
    b = true;
    l = [ "a" 2 ];
  };
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; input = d; dev = d.dev; src = ./data/file.txt; };
  fod = derivation { name = "fixed"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = "0000000000000000000000000000000000000000000000000000000000000000"; };
  rfod = derivation { name = "rfixed"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashMode = "recursive"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; };
in
[ d.drvPath d.outPath d.dev.outPath d.out.outPath d.outputName d.dev.outputName dep.drvPath dep.outPath fod.outPath fod.drvPath rfod.outPath d.type ]
