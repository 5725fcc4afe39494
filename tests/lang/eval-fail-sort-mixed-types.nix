builtins.sort builtins.lessThan [ 1 2 "three" 4 ]
