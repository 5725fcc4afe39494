builtins.addErrorContext "while doing something important" (throw "inner failure")
