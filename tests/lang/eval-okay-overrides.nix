rec { a = 1; b = a + 1; __overrides = { a = 10; c = 3; }; }
