let
  src = { a = 1; b = 2; c.d = 3; };
  s = { inherit (src) a b; inherit (src.c) d; };
  l = let inherit (src) a; in a;
in
[ s l ]
