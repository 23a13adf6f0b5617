/// `step`: times one training step (forward, loss, gradients, Adam update) of a zoo model at a
/// batch size, on real MNIST images when they can be found.
module FuncCnn.Bench.Step

open System.Diagnostics
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data

let median (xs: float[]) =
    let s = Array.sort xs
    if s.Length % 2 = 1 then s.[s.Length / 2] else (s.[s.Length / 2 - 1] + s.[s.Length / 2]) / 2.0

/// The first `batch` MNIST training images, or seeded random pixels when MNIST is not found, with
/// labels folded into the model's `classes`.
let private inputs (inputShape: int[]) (classes: int) (batch: int) =
    let fromMnist =
        if inputShape = Zoo.mnistInput then
            try
                let train, _ = Mnist.load None
                let b = Dataset.batches batch train |> Seq.head
                Some(b.Images, b.Labels |> Array.map (fun l -> l % classes), "mnist")
            with :? FuncCnnException -> None
        else None
    match fromMnist with
    | Some found when (let (x: Tensor), _, _ = found in x.Dims.[0] = batch) -> found
    | _ ->
        let x = Tensor.ofArray (Array.append [| batch |] inputShape) (Rng.uniform 0.0f 1.0f (batch * Shape.numel inputShape) (Rng.create 1L))
        x, Array.init batch (fun i -> i % classes), "random"

let run (modelName: string) (batch: int) (warmup: int) (steps: int) =
    // "seed000" is the seed CNN's name in the reference fixtures and the issue's bench command
    let preset = if modelName = "seed000" then "seed-cnn" else modelName
    let arch, inputShape = Zoo.preset preset
    let model = Model.build (Rng.create 0L) inputShape arch
    if model.OutputShape.Length <> 1 then
        Fail.value "step: times classifiers; preset '%s' outputs %s" preset (Shape.show model.OutputShape)
    let x, labels, source = inputs inputShape model.OutputShape.[0] batch
    let config = { Train.defaults with BatchSize = batch }
    let mutable state = Train.init config model
    let step () =
        let s, loss = Train.step config state x labels
        state <- s
        loss
    for _ in 1 .. warmup do step () |> ignore
    let times =
        Array.init steps (fun _ ->
            let sw = Stopwatch.StartNew()
            step () |> ignore
            sw.Elapsed.TotalMilliseconds)
    let ms = median times
    let parameters = ParamTree.count model.Params
    printfn "%s (%d parameters), batch %d of %s images, %d steps after %d warm-up" preset parameters batch source steps warmup
    printfn "step times (ms): %s" (times |> Array.map (sprintf "%.1f") |> String.concat " ")
    printfn "{\"model\":\"%s\",\"batch\":%d,\"steps\":%d,\"warmup\":%d,\"ms_per_step_median\":%.2f,\"ms_per_step_min\":%.2f,\"images_per_s\":%.0f,\"cores\":%d,\"data\":\"%s\"}"
        modelName batch steps warmup ms (Array.min times) (float batch / ms * 1000.0) System.Environment.ProcessorCount source
