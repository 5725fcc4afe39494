let a = 1; b = 2; c = 3; s = {}; in [
  (a + b * c) (a - b - c) (a / b * c) (-a) (- a - b) (-a * b) (!true) (!a == b)
  (a < b) (a > b) (a <= b) (a >= b) (a == b) (a != b) (a && b || c) (a || b && c)
  (a -> b -> c) (s // s // s) ([1] ++ [2] ++ [3]) (s ? a) (s ? a.b.c) (s ? "x y") (s ? ${"q"})
  ({} ? a ? b) (a + b ? c) (-s ? a) (!s ? a) (a == b < c) (a < b == c) (!a + b) (a * !b + c)
  (a - -b) (a --b) (s.a.b or c) (s.a or s.b or c) (s."x y".${"z"}) (s.${a} or null)
]
