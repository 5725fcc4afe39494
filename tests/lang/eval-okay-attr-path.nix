{ pkgs = { hello = { version = "1.0"; }; list = [ "zero" "one" ]; }; fn = { x ? 1, y }: { sum = x + y; }; }
