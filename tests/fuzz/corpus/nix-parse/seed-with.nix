/* c */ with import <nixpkgs> { }; # comment
let p = x: y: x - y; in p 3 2 |> (n: n * 2) ? attr
