{ good = 1; bad = builtins.throw "bad attribute"; }
