# `sort lessThan` over lists of one plain type (tix sorts these natively) and the general path.
let
  ints = [ 5 (-3) 9223372036854775807 0 5 (-9223372036854775807) 9007199254740993 9007199254740992 42 (-3) 1 ];
  strs = [ "b" "" "été" "a" "ab" "B" "zz" "a" "ÿ" "\t" "~" ];
  many = builtins.genList (i: (i * 7919) - (i / 13) * 13 - 500) 300;
  sortedMany = builtins.sort builtins.lessThan many;
  ok = builtins.foldl' (acc: i: acc && !(builtins.elemAt sortedMany (i + 1) < builtins.elemAt sortedMany i)) true (builtins.genList (i: i) 299);
in
[
  (builtins.sort builtins.lessThan ints)
  (builtins.sort builtins.lessThan strs)
  (builtins.sort builtins.lessThan [ 2 1.5 1 0.5 ])
  (builtins.sort builtins.lessThan [ [ 2 1 ] [ 1 3 ] [ 1 ] ])
  (builtins.sort builtins.lessThan [ "${builtins.toFile "x" "x"}" "a" ])
  (builtins.sort builtins.lessThan [ 1 ])
  (builtins.sort builtins.lessThan [ ])
  ok
  (builtins.length sortedMany)
  # Stability with a user comparator: equal keys keep their order.
  (map (x: x.n) (builtins.sort (a: b: a.k < b.k) [ { k = 1; n = "a"; } { k = 0; n = "b"; } { k = 1; n = "c"; } { k = 0; n = "d"; } ]))
]
