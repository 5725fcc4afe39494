let or = x: x; f = x: x; s = { or = 1; }; in [ (f or) s.or (s.or or 2) { inherit or; } ]
