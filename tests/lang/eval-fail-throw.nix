let f = x: if x > 0 then throw "positive: ${toString x}" else x; in f 3
