module FuncCnn.Bench.Program

open System

let private usage () =
    eprintfn "usage: FuncCnn.Bench step [--model seed000] [--batch 128] [--warmup 5] [--steps 20]"
    eprintfn "       FuncCnn.Bench kernels [--naive]"
    eprintfn "       FuncCnn.Bench profile [--batch 128]"
    eprintfn "       FuncCnn.Bench report [--train 6000] [--warmup 1] [--runs 3]"
    eprintfn "       FuncCnn.Bench report --predict [--runs 5] | report --layers"
    eprintfn "       FuncCnn.Bench infer [--reps 5]"
    2

/// The value after `--name`, or the default.
let option (argv: string[]) (name: string) (fallback: string) =
    match Array.tryFindIndex ((=) ("--" + name)) argv with
    | Some i when i + 1 < argv.Length -> argv.[i + 1]
    | _ -> fallback

[<EntryPoint>]
let main argv =
    match argv |> Array.tryHead with
    | Some "step" ->
        Step.run (option argv "model" "seed000") (int (option argv "batch" "128")) (int (option argv "warmup" "5")) (int (option argv "steps" "20"))
        0
    | Some "kernels" -> Kernels.run argv.[1..]
    | Some "profile" ->
        Profile.run (int (option argv "batch" "128"))
        0
    | Some "report" when Array.contains "--layers" argv -> ReportBench.layers (); 0
    | Some "report" when Array.contains "--predict" argv -> ReportBench.predictPaths (int (option argv "runs" "5")); 0
    | Some "report" ->
        ReportBench.run (int (option argv "train" "6000")) (int (option argv "warmup" "1")) (int (option argv "runs" "3"))
        0
    | Some "infer" -> Infer.run (int (option argv "reps" "5")); 0
    | _ -> usage ()
