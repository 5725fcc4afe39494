let
  f = { a, b ? a + 1, ... }@args: [ a b (builtins.attrNames args) ];
  g = args@{ x ? 2 }: [ x args ];
  h = a: b: c: a + b + c;
  defaults = { x ? y, y ? 5 }: x + y;
in
[ (f { a = 1; }) (f { a = 1; b = 10; c = 3; }) (g { }) (h 1 2 3) (defaults { }) (defaults { x = 1; })
  (builtins.functionArgs f) (builtins.functionArgs h) (builtins.functionArgs builtins.map) ]
