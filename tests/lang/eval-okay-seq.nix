with builtins;
[ (seq 1 2) (deepSeq [ 1 { a = 2; } ] 3) (seq { a = throw "not forced"; } "ok") ]
