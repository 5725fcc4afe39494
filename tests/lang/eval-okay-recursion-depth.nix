# Deep but legal recursion: 9000 nested calls (max-call-depth is 10000).
let
  count = n: if n == 0 then 0 else 1 + count (n - 1);
  deepList = builtins.foldl' (acc: x: [ acc ]) [ ] (builtins.genList (x: x) 2000);
in
[ (count 9000) (builtins.length deepList) ]
