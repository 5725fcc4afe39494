a |> b
