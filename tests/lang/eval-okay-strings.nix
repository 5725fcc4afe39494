let
  x = "world";
  n = 42;
in
[
  "hello ${x}" "a\tb\nc\\d\"e" "\${not interpolated}" "dollar $x" "${toString n}!"
  ''
    indented
      more
    back
  ''
  ''a''${x}b'''c''\n''
  ("con" + "cat") (builtins.stringLength "héllo") (builtins.substring 1 3 "abcdef")
  (builtins.substring 4 100 "abcdef") (builtins.substring 10 2 "abc") (builtins.substring 1 (-1) "abcdef")
]
