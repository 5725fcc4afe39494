builtins.toXML { a = 1; b = "s<&>\""; c = [ true null 1.5 ]; f = { x, y ? 1, ... }: x; g = x: x; }
