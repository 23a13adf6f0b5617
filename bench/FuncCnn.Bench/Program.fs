module FuncCnn.Bench.Program

open System
open FuncCnn.Core

let private usage () =
    eprintfn "usage: FuncCnn.Bench step [--model seed000] [--batch 128] [--warmup 5] [--steps 60 | --long] [--pure]"
    eprintfn "         --long: 200 timed steps; --pure: time Train.step (fresh parameters each step) instead of the fit loop's step"
    eprintfn "       FuncCnn.Bench kernels [--naive]"
    eprintfn "       FuncCnn.Bench compare [--rounds 2] [--steps 60]   (the PyTorch anchor in the same run)"
    eprintfn "       FuncCnn.Bench profile [--batch 128]"
    eprintfn "       FuncCnn.Bench report [--train 6000] [--warmup 1] [--runs 3]"
    eprintfn "       FuncCnn.Bench report --predict [--runs 5] | report --layers"
    eprintfn "       FuncCnn.Bench infer [--reps 5]"
    eprintfn "       FuncCnn.Bench fuzz [--cases 2000] [--seed 1] [--only <reader name part>]"
    2

/// The value after `--name`, or the default.
let option (argv: string[]) (name: string) (fallback: string) =
    match Array.tryFindIndex ((=) ("--" + name)) argv with
    | Some i when i + 1 < argv.Length -> argv.[i + 1]
    | _ -> fallback

let private flag (argv: string[]) (name: string) = argv |> Array.contains ("--" + name)

[<EntryPoint>]
let main argv =
    match argv |> Array.tryHead with
    | Some "step" ->
        let steps = if flag argv "long" then 200 else int (option argv "steps" "60")
        if steps < 40 then eprintfn "step: medians of fewer than 40 steps are not what the README reports (got --steps %d)" steps
        let kind = if flag argv "pure" then PureStep else FitLoopStep
        Step.run kind (option argv "model" "seed000") (int (option argv "batch" "128")) (int (option argv "warmup" "5")) steps |> ignore
        0
    | Some "kernels" -> Kernels.run argv.[1..]
    | Some "compare" -> Compare.run (int (option argv "rounds" "2")) (int (option argv "steps" "60"))
    | Some "profile" ->
        Profile.run (int (option argv "batch" "128"))
        0
    | Some "report" when Array.contains "--layers" argv -> ReportBench.layers (); 0
    | Some "report" when Array.contains "--predict" argv -> ReportBench.predictPaths (int (option argv "runs" "5")); 0
    | Some "report" ->
        ReportBench.run (int (option argv "train" "6000")) (int (option argv "warmup" "1")) (int (option argv "runs" "3"))
        0
    | Some "infer" -> Infer.run (int (option argv "reps" "5")); 0
    | Some "fuzz" ->
        FuzzBench.run (int (option argv "cases" "2000")) (int (option argv "seed" "1"))
            (match option argv "only" "" with "" -> None | o -> Some o)
    | _ -> usage ()
