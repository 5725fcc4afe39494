let
  x = "outer";
  s = rec {
    x = "inner";
    inherit (builtins) map;
    y = x;
  };
  t = { inherit x; };
in
[ s.y t.x (s.map (v: v + 1) [ 1 ]) ]
