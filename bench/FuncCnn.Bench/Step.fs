/// `step`: times one training step (forward, loss, gradients, Adam update) of a model at a batch size.
module FuncCnn.Bench.Step

open System.Diagnostics
open FuncCnn

let private glorot (rng: Rng) (shape: int[]) (fanIn: int) (fanOut: int) =
    let limit = sqrt (6.0f / float32 (fanIn + fanOut))
    Tensor.ofArray shape (Rng.uniform -limit limit (Shape.numel shape) rng)

/// The seed CNN's parameters (121,930), Glorot-uniform kernels and zero biases.
let seedParams (rng: Rng) =
    let r = Rng.splitN 4 rng
    ParamTree.ofList [
        "conv1/kernel", glorot r.[0] [| 32; 1; 3; 3 |] 9 288
        "conv1/bias", Tensor.zeros [| 32 |]
        "conv2/kernel", glorot r.[1] [| 64; 32; 3; 3 |] 288 576
        "conv2/bias", Tensor.zeros [| 64 |]
        "dense1/kernel", glorot r.[2] [| 1600; 64 |] 1600 64
        "dense1/bias", Tensor.zeros [| 64 |]
        "dense2/kernel", glorot r.[3] [| 64; 10 |] 64 10
        "dense2/bias", Tensor.zeros [| 10 |] ]

let seedLogits (p: ParamTree) (x: Tensor) =
    let get name = ParamTree.find name p
    let conv name x = Nn.conv2d (1, 1) Nn.Valid x (get (name + "/kernel")) (Some(get (name + "/bias")))
    let dense name x = Ops.linear x (get (name + "/kernel")) (Some(get (name + "/bias")))
    x
    |> conv "conv1" |> Ops.relu |> Nn.maxPool2d (2, 2) (2, 2)
    |> conv "conv2" |> Ops.relu |> Nn.maxPool2d (2, 2) (2, 2)
    |> Ops.flatten |> dense "dense1" |> Ops.relu |> dense "dense2"

let median (xs: float[]) = let s = Array.sort xs in if s.Length % 2 = 1 then s.[s.Length / 2] else (s.[s.Length / 2 - 1] + s.[s.Length / 2]) / 2.0

let run (model: string) (batch: int) (warmup: int) (steps: int) =
    if model <> "seed000" then failwithf "unknown model '%s' (known: seed000)" model
    let rng = Rng.create 0L
    let k1, k2 = Rng.split rng
    let x = Tensor.ofArray [| batch; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (batch * 784) k1)
    let labels = Array.init batch (fun i -> i % 10)
    let optimizer = Optim.adamKeras
    let mutable p = seedParams k2
    let mutable state = Optim.init optimizer p
    let step () =
        let loss, g = Autodiff.valueAndGradParams (fun p -> Nn.crossEntropy (seedLogits p x) labels) p
        let p', s' = Optim.update optimizer 1e-3f state p g
        p <- p'
        state <- s'
        loss.ToScalar()
    for _ in 1 .. warmup do step () |> ignore
    let times =
        Array.init steps (fun _ ->
            let sw = Stopwatch.StartNew()
            step () |> ignore
            sw.Elapsed.TotalMilliseconds)
    let ms = median times
    printfn "step times (ms): %s" (times |> Array.map (sprintf "%.1f") |> String.concat " ")
    printfn "{\"model\":\"%s\",\"batch\":%d,\"steps\":%d,\"warmup\":%d,\"ms_per_step_median\":%.2f,\"ms_per_step_min\":%.2f,\"images_per_s\":%.0f,\"cores\":%d}"
        model batch steps warmup ms (Array.min times) (float batch / ms * 1000.0) System.Environment.ProcessorCount
