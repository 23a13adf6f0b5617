module FuncCnn.Bench.Program

[<EntryPoint>]
let main argv =
    match Array.tryHead argv with
    | Some "kernels" -> Kernels.run argv.[1..]
    | _ ->
        eprintfn "usage: FuncCnn.Bench step --model seed000 --batch 128 | kernels [--naive]"
        2
