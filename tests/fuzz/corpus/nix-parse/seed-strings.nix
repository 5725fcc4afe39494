''
  indented ${"str"}
    more ''$ ''' ''\n
''
