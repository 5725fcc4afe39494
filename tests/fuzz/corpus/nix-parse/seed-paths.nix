[ ./a/b ../c /abs/d ~/home <nixpkgs> https://example.org/x ./p/${"q"} ]
