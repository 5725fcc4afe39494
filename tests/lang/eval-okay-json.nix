with builtins;
[
  (toJSON { a = [ 1 "two" true null ]; b = { c = "d\"\n"; }; p = "${toFile "j" "x"}"; }) (toJSON { outPath = "/o"; })
  (fromJSON ''{"a": [1, -2, true, null, "x\u00e9y"], "b": {"c": 10}, "d": 0.5}'') (fromJSON "[]") (fromJSON "\"\\u0041\"")
]
