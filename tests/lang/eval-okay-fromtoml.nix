# fromTOML: tables, arrays of tables, inline tables, dotted keys, every string kind, numbers.
builtins.fromTOML ''
  title = "t\u00e9st"
  lit = 'C:\path'
  ml = """
  one \
    two"""
  n = [ 0x1F, 0o17, 0b101, 1_000, -3, +4 ]
  f = [ 1.5, -2e3, 0.0 ]
  b = true
  site."a.b".c = 1
  [server]
  host = { name = "x", port = 80 }
  [[items]]
  id = 1
  [[items]]
  id = 2
  [items.sub]
  z = false
''
