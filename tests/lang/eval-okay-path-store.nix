[ "${./data/dir}" "${./data/file.txt}" (builtins.path { path = ./data/dir; name = "renamed"; }) (builtins.filterSource (p: t: baseNameOf p != "skip.txt") ./data/dir)
  (builtins.path { path = ./data/file.txt; recursive = false; }) ]
