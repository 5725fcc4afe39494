{ a = [ 1 "s" ]; f = { x, ... }@args: x; }
