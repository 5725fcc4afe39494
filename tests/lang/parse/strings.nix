let x = "v"; in [
  "" "plain" "esc \n \r \t \\ \" \$ \a \${x}" "a${x}b" "${x}" "$${x}" "$$" "a$" "${x}${x}" "\
" "tab	tab" "dollar $ { }" "€ üñí"
  '''' ''plain'' ''
    indented
      more
    back
  ''
  ''
    a ${x} b
    ''$ ''' ''\n ''\t x
  ''
  ''  first line kept
    second''
  ''
     ${x}
  ''
  ''${x}''
  ''
    ${x}''
  ''
  ''
  ''$${x} $ '' ''\
  ''
]
