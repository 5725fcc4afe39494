# Floats print as C++ streams print doubles (6 significant digits).
[ 0.1 1.5e10 1.23456789e8 (1.0 / 3) 1.0 (-2.5e-7) 100000.0 1000000.0 123456.5 0.0001 0.00001 ]
