let
  f = x: x;
  drv1 = { type = "derivation"; outPath = "/a"; x = 1; };
  drv2 = { type = "derivation"; outPath = "/a"; x = 2; };
in
[
  (1 == 1.0) (1 == 2) ("a" == "a") ([ 1 2 ] == [ 1 2 ]) ({ a = 1; } == { a = 1; }) ({ a = 1; } == { a = 1; b = 2; })
  (f == f) ([ f ] == [ f ]) (null == null) (drv1 == drv2) (/a == /a) ("/a" == /a) (true != false)
  ([ 1 ] < [ 1 2 ]) ([ 1 3 ] < [ 1 2 ]) ("abc" < "abd") (/a < /b)
]
