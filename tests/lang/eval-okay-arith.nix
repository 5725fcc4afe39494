# Integer and float arithmetic, precedence, mixing, comparison.
[
  (1 + 2 * 3) (10 - 4 - 3) (7 / 2) (-7 / 2) (7 / -2) (2 * -3)
  (1.5 + 2) (3 * 0.5) (7 / 2.0) (1.0 / 4) (0.1 + 0.2)
  (builtins.add 3 4) (builtins.sub 3 4) (builtins.mul 3 4) (builtins.div 9 4)
  (1 < 2) (2 < 1) (1 < 1.5) (2.5 < 2) (1 <= 1) (2 >= 3) (3 > 2)
  (builtins.lessThan 1 2) (- 5) (-(-5)) (0 - 0)
  (builtins.typeOf (1 + 1.0)) (builtins.typeOf (2 * 2))
]
