with builtins;
[
  (getAttr "a" { a = 1; }) (hasAttr "a" { a = 1; }) (hasAttr "b" { a = 1; }) (removeAttrs { a = 1; b = 2; c = 3; } [ "a" "c" "z" ])
  (listToAttrs [ { name = "a"; value = 1; } { name = "b"; value = 2; } { name = "a"; value = 3; } ])
  (intersectAttrs { a = 1; b = 2; } { b = 3; c = 4; }) (catAttrs "a" [ { a = 1; } { b = 2; } { a = 3; } ])
  (mapAttrs (name: value: name + toString value) { x = 1; y = 2; })
  (zipAttrsWith (name: values: values) [ { a = 1; } { a = 2; b = 3; } ])
  (isAttrs { }) (attrNames { b = 1; a = 2; "B" = 3; })
]
