"raw ${toString 1} output"
