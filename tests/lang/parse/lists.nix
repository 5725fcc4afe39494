[ 1 [ 2 [ 3 ] ] (1 + 2) ({ a = 1; }).a { a = 1; }.a null true false "s" ./p [ ] ]
