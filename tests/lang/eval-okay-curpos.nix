[ __curPos (builtins.unsafeGetAttrPos "b" { a = 1;
  b = 2; }) (builtins.unsafeGetAttrPos "c" { }) ]
