with builtins;
[
  (match "ab" "abc") (match "abc" "abc") (match "a(b)(c)" "abc") (match "[[:space:]]+([[:upper:]]+)[[:space:]]+" "  FOO   ")
  (match "(a)|(b)" "b") (match "foo(.*)" "foobar") (match ".*\\.nix" "x.nix")
  (split "(a)b" "abc") (split "([ac])" "abc") (split "(a)|(c)" "abc") (split "([[:upper:]]+)" " FOO ")
  (split "," "a,b,,c") (split "x" "abc") (split "(x)*" "ab")
]
