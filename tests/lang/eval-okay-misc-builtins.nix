with builtins;
[ langVersion storeDir (isString nixVersion) (isInt currentTime) (isString currentSystem) (typeOf builtins) (builtins.builtins ? map) (isList nixPath) ]
