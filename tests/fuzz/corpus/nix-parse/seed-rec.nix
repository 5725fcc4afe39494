rec { a = 1; b = a + 1; c.d.e = "x${toString b}y"; "q r" = [ 1 2.5 -3 ]; }
