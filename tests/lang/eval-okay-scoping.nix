let
  x = 1;
  y = x + 1;
  f = a: a + x;
  inner = let x = 10; in f x;
  r = rec { a = 1; b = a + 1; c = b * 10; };
  w = with { x = 100; z = 5; }; [ x z ];
  nestedWith = with { a = 1; b = 2; }; with { a = 3; }; [ a b ];
  shadowBuiltin = with { map = "mine"; true = "no"; }; [ (builtins.isFunction map) true ];
  letShadow = let true = "yes"; in true;
in
[ x y inner r.c w nestedWith shadowBuiltin letShadow ]
