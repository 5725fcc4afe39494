# leading comment
/* block
   comment */ { /** doc comment */ a = 1; # trailing
  b = /* inline */ 2;
  c = "# not a comment /* either */";
}
