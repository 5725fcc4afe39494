with builtins;
[
  (concatStringsSep ", " [ "a" "b" "c" ]) (concatStringsSep "-" [ ])
  (replaceStrings [ "a" "bb" ] [ "X" "Y" ] "abbabba") (replaceStrings [ "" ] [ "-" ] "abc")
  (replaceStrings [ "o" ] [ "0" ] "foo bar boo")
  (baseNameOf "/a/b/c.nix") (baseNameOf "/a/b/") (baseNameOf "plain") (dirOf "/a/b/c") (dirOf "a") (dirOf "/a")
  (dirOf /a/b/c) (baseNameOf /a/b)
  (hashString "md5" "abc") (hashString "sha1" "abc") (hashString "sha256" "abc") (hashString "sha512" "")
  (parseDrvName "hello-2.10.1") (parseDrvName "nix-unstable-2.4pre") (parseDrvName "foo")
  (compareVersions "1.0" "1.0.1") (compareVersions "2.3a" "2.3.1") (compareVersions "1.0pre" "1.0") (compareVersions "1.0" "1.0")
  (splitVersion "1.2.3-rc4") (splitVersion "")
  (placeholder "out") (placeholder "dev")
  (typeOf "x")
]
