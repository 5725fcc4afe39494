assert 1 > 2; "unreachable"
