with builtins;
map (x: [ (typeOf x) (isInt x) (isFloat x) (isString x) (isBool x) (isNull x) (isList x) (isAttrs x) (isFunction x) (isPath x) ])
  [ 1 1.0 "s" true null [ ] { } (x: x) map /p (map (x: x)) ]
