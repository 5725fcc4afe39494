if true then 1
