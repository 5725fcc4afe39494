# Integers are 64-bit: values beyond 2^53 stay exact.
let
  big = 9007199254740993;
  max = 9223372036854775807;
  min = -9223372036854775807 - 1;
in
[
  big (big + 2) (big * 2) (max - 1) (max / 2) min (min / 3) (min + max)
  (builtins.bitAnd max 255) (builtins.bitOr 1 2) (builtins.bitXor 5 3) (builtins.bitAnd (-1) 4611686018427387904)
  (max == max) (big < big + 1) (builtins.toString max)
]
