f (x: x
