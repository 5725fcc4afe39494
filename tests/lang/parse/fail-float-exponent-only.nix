x: 1e3
