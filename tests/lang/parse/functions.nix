let
  f = x: y: x;
  g = { a, b ? 2, ... }: a;
  h = args@{ z, y, x }: args;
  i = { c ? 1, b, a }@all: all;
  j = { }: 1;
  k = { ... }: 2;
  l = {a,}: a;
  m = x: { inherit x; };
  n = { x ? y: y }: x;
in [ (f 1 2) (g { a = 1; }) (f (f 1) 2) ((f 1) 2) f.x (map (x: x) [ ]) ]
