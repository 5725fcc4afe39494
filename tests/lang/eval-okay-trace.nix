builtins.trace "a string" (builtins.trace { a = 1; l = [ 1 2 ]; } 42)
