let
  a = 1;
  b = a + 1;
  inherit (builtins) map;
  s = { z = 1; };
in
assert a == 1;
with s;
with { y = 2; };
if a > 0 then z + y + b else let { body = a; other = 1; }
