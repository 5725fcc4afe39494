let v = { a = 1; b = [ 1 2 ]; }; in assert v == { a = 1; b = [ 1 3 ]; }; v
