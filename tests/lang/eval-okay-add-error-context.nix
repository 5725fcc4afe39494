builtins.addErrorContext "unused context" (1 + 2)
