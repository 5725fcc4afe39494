{ a = 1; b = 1 + 1; c = { d = 1; }; e = [ (1 + 2) ]; f = x: x; g = builtins.map; h = builtins.map (x: x); }
