let
  names = [ "a" "b" ];
  set = builtins.listToAttrs (map (n: { name = n; value = n + n; }) names);
in
{ inherit (set) a; ${builtins.head names + "x"} = set.b; }
