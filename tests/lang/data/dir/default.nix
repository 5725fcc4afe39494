"default.nix of dir"
