builtins.derivationStrict { name = "s"; system = "x86_64-linux"; builder = "/bin/sh"; __ignoreNulls = true; nothing = null; }
