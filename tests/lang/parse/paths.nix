let x = "q"; in [
  ./a ./sub/../b ./a/../c /abs/path /abs/./x/../y a/b ./a.b+c-d_e ./${x} ./a/${x} ./a${x}/b ./a/${x}.nix
  ~/home/file ~/${x} <nixpkgs> <nixpkgs/lib> /.. ./. /a/../../../x
  http://example.org/a?b=c&d=e https://x.y/z x:y mailto:a@b.c
]
