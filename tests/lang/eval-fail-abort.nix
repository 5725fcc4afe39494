builtins.seq 1 (abort "stopped here")
