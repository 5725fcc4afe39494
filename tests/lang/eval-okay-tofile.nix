let
  f = builtins.toFile "greeting.txt" "hello";
  g = builtins.toFile "ref.txt" "see ${f}";
in
[ f g (builtins.getContext g) ]
