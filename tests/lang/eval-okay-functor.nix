let
  counter = { __functor = self: x: self.base + x; base = 10; };
in
[ (counter 5) (builtins.isFunction counter) (map counter [ 1 2 ]) ]
