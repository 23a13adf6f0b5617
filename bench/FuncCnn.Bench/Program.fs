module FuncCnn.Bench.Program

[<EntryPoint>]
let main argv =
    eprintfn "usage: FuncCnn.Bench step --model seed000 --batch 128 | kernels"
    2
