[ (/a/b + "/c") (/a + /b) (/a/b/.. + "") (builtins.toPath "/a/../b") (/x/y/.) ]
