let
  x = 1;
  inherit (builtins) map;
  f = { a, b ? x + 1, ... }@args: a * b;
in f { a = 2; }
