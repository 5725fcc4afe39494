if !a && b || c -> d then x.y.z or (w // { v = 1; }) ++ [ ] else assert e == f; g != h
