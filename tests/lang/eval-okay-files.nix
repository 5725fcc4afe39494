with builtins;
[ (readFile ./data/file.txt) (readDir ./data/dir) (pathExists ./data/file.txt) (pathExists ./data/nope) (pathExists ./data/dir)
  (hashFile "sha256" ./data/file.txt) (import ./data/lib.nix 3) (import ./data/dir) (scopedImport { x = 40; } ./data/scoped.nix) ]
