let
  drv = derivation { name = "ctx"; system = "x86_64-linux"; builder = "/bin/sh"; };
  s = "${drv} and ${drv.drvPath}";
in
with builtins;
[
  (hasContext s) (hasContext "plain") (getContext s) (unsafeDiscardStringContext s == s) (hasContext (unsafeDiscardStringContext s))
  (getContext (unsafeDiscardOutputDependency drv.drvPath))
  (getContext (appendContext "x" { "${unsafeDiscardStringContext drv.drvPath}" = { outputs = [ "out" ]; }; }))
]
