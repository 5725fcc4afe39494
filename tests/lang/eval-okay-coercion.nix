let
  s = { __toString = self: "custom"; };
  o = { outPath = "/nix/store/x"; };
in
[ "${s}" "${o}" (s + "!") (toString [ s o ]) (builtins.stringLength s) ]
