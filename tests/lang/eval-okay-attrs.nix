let
  a = { x = 1; y.z = 2; y.w = 3; "with space" = 4; ${"dyn" + "amic"} = 5; ${null} = 6; };
  b = a // { x = 10; q = 11; };
in
[
  a b (a ? x) (a ? y.z) (a ? y.nope) (a ? nope.deep) (a.nope or "default") (a.y.z or 0) (a.x.y or "not a set")
  (builtins.attrNames b) (builtins.attrValues { b = 2; a = 1; }) ({ } // { }) (b.${"q"})
]
