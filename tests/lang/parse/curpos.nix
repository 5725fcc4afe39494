rec { pos = __curPos; f = x: x; list = [ __curPos (f __curPos) ]; }
