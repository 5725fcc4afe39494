let c = { d = 1; e = 2; }; b = 1; x = "y"; in
rec {
  a = 1;
  inherit b;
  inherit (c) d e;
  inherit (c) ;
  f.g = 1;
  f.h = 2;
  f = { i = 3; };
  "quoted key" = 4;
  "${x}" = 5;
  ${x + "z"} = 6;
  ${"static"} = 7;
  or = 8;
  "if" = 9;
  n.${x}.m = 10;
  "a.b" = 11;
  lam = x: x;
  nested.lam = y: z: y;
  _under = 1;
  "" = 12;
}
