[
  (if true then 1 else 2) (if 1 < 2 && 2 < 3 then "y" else "n") (true -> false) (false -> throw "lazy")
  (false || true) (true && false) (!true) (true || throw "lazy") (false && throw "lazy")
  (assert 1 == 1; "asserted")
]
