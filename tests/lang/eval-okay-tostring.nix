map toString [ 1 (-3) true false null "s" [ 1 [ 2 3 ] [ ] "x" ] 1.5 { __toString = self: "ts"; } { outPath = "/op"; } /some/path ]
