with builtins;
[
  ([ 1 2 ] ++ [ 3 ] ++ [ ]) (length [ 1 2 3 ]) (head [ 1 2 ]) (tail [ 1 2 3 ]) (elemAt [ "a" "b" ] 1)
  (elem 2 [ 1 2 3 ]) (elem 5 [ ]) (concatLists [ [ 1 ] [ ] [ 2 3 ] ]) (map (x: x * 2) [ 1 2 3 ])
  (filter (x: x > 1) [ 1 2 3 ]) (genList (x: x * x) 5) (foldl' (a: b: a + b) 0 [ 1 2 3 4 ])
  (concatMap (x: [ x x ]) [ 1 2 ]) (all (x: x > 0) [ 1 2 ]) (any (x: x > 1) [ 1 2 ]) (all (x: false) [ ])
  (sort lessThan [ 3 1 2 ]) (sort (a: b: a > b) [ 3 1 2 ]) (sort (a: b: a.k < b.k) [ { k = 1; v = "a"; } { k = 0; v = "b"; } { k = 1; v = "c"; } ])
  (partition (x: x > 2) [ 1 2 3 4 ]) (groupBy (x: if x > 2 then "big" else "small") [ 1 2 3 4 ])
  (builtins.isList [ ])
]
