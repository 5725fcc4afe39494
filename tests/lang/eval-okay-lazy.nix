let
  x = throw "never";
  s = { a = 1; b = throw "never"; };
  l = [ 1 (throw "never") ];
in
[ s.a (builtins.length l) (builtins.head l) (builtins.attrNames s) ]
