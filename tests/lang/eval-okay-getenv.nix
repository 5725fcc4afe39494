[ (builtins.getEnv "TIX_TEST_VAR") (builtins.getEnv "TIX_UNSET_VAR_1234") ]
