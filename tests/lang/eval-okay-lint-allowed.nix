# Fatal lints leave ./ paths, ../ paths, strings and (when only warned) URLs alone.
[ ./x ./x/../y "/etc/hosts" http://example.org ]
