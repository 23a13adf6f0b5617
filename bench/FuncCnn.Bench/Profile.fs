/// `profile`: where one seed-CNN training step spends its time, op by op (forward and backward
/// kernels timed separately, medians), so tuning goes where the time is.
module FuncCnn.Bench.Profile

open System.Diagnostics
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Kernels

let private ws = Setup.Workspace()
let private allocated = System.Collections.Generic.Dictionary<int, float>()

/// Median ms of f run inside a step workspace (released after each call, as in a training step);
/// also notes the bytes each call allocates beside the workspace.
let private time (repeats: int) (f: unit -> unit) =
    let g () = Setup.inWorkspace ws f; ws.Release()
    for _ in 1 .. 3 do g ()
    let before = System.GC.GetTotalAllocatedBytes true
    let ms = Array.init repeats (fun _ -> let sw = Stopwatch.StartNew() in g (); sw.Elapsed.TotalMilliseconds) |> Step.median
    allocated.[allocated.Count] <- float (System.GC.GetTotalAllocatedBytes true - before) / float repeats
    ms

let run (batch: int) =
    let model = Model.build (Rng.create 0L) Zoo.mnistInput Zoo.seedCnn
    let x = Tensor.ofArray [| batch; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (batch * 784) (Rng.create 1L))
    let labels = Array.init batch (fun i -> i % 10)
    let p name = ParamTree.find name model.Params
    let rows = ResizeArray<string * float>()
    let add name ms = rows.Add(name, ms)
    let reps = 15
    // forward pieces
    let c1 = Nn.conv2d (1, 1) Nn.Valid x (p "conv1/kernel") (Some(p "conv1/bias"))
    add "conv1 forward" (time reps (fun () -> Nn.conv2d (1, 1) Nn.Valid x (p "conv1/kernel") (Some(p "conv1/bias")) |> ignore))
    let g1f = Shape.conv2d x.Dims (p "conv1/kernel").Dims (1, 1) Shape.Padding2d.zero
    let yReused = Array.zeroCreate c1.Numel
    add "conv1 forward kernel, reused output" (time reps (fun () -> Conv.conv2dForwardInto true true g1f x.Data (p "conv1/kernel").Data (Some (p "conv1/bias").Data) yReused))
    add "allocate conv1-sized output" (time reps (fun () -> System.GC.AllocateUninitializedArray<float32> c1.Numel |> ignore))
    let r1 = Ops.relu c1
    add "relu1 forward" (time reps (fun () -> Ops.relu c1 |> ignore))
    let m1 = Nn.maxPool2d (2, 2) (2, 2) r1
    add "pool1 forward" (time reps (fun () -> Nn.maxPool2d (2, 2) (2, 2) r1 |> ignore))
    let c2 = Nn.conv2d (1, 1) Nn.Valid m1 (p "conv2/kernel") (Some(p "conv2/bias"))
    add "conv2 forward" (time reps (fun () -> Nn.conv2d (1, 1) Nn.Valid m1 (p "conv2/kernel") (Some(p "conv2/bias")) |> ignore))
    let r2 = Ops.relu c2
    add "relu2 forward" (time reps (fun () -> Ops.relu c2 |> ignore))
    let m2 = Nn.maxPool2d (2, 2) (2, 2) r2
    add "pool2 forward" (time reps (fun () -> Nn.maxPool2d (2, 2) (2, 2) r2 |> ignore))
    let f = Ops.flatten m2
    add "dense1+relu+dense2 forward" (time reps (fun () -> Ops.linear (Ops.relu (Ops.linear f (p "dense1/kernel") (Some(p "dense1/bias")))) (p "dense2/kernel") (Some(p "dense2/bias")) |> ignore))
    // backward kernels at the same shapes
    let g1 = Shape.conv2d x.Dims (p "conv1/kernel").Dims (1, 1) Shape.Padding2d.zero
    let g2 = Shape.conv2d m1.Dims (p "conv2/kernel").Dims (1, 1) Shape.Padding2d.zero
    let dy2 = Rng.uniform -1.0f 1.0f c2.Numel (Rng.create 2L)
    let dy1 = Rng.uniform -1.0f 1.0f c1.Numel (Rng.create 3L)
    add "conv2 backward input" (time reps (fun () -> Conv.conv2dBackwardInput g2 dy2 (p "conv2/kernel").Data |> ignore))
    add "conv2 backward weight" (time reps (fun () -> Conv.conv2dBackwardWeight g2 m1.Data dy2 |> ignore))
    add "conv2 bias backward" (time reps (fun () -> Conv.biasBackward g2.N g2.K (g2.OH * g2.OW) dy2 |> ignore))
    add "conv1 backward weight" (time reps (fun () -> Conv.conv2dBackwardWeight g1 x.Data dy1 |> ignore))
    add "conv1 bias backward" (time reps (fun () -> Conv.biasBackward g1.N g1.K (g1.OH * g1.OW) dy1 |> ignore))
    add "relu1 backward" (time reps (fun () -> Elementwise.reluBackward c1.Data dy1 |> ignore))
    add "relu2 backward" (time reps (fun () -> Elementwise.reluBackward c2.Data dy2 |> ignore))
    let pg1 = Shape.pool2d "p" r1.Dims (2, 2) (2, 2)
    let _, arg1 = Pool.maxPool2dForward pg1 r1.Data
    add "pool1 backward" (time reps (fun () -> Pool.maxPool2dBackward pg1 arg1 (Array.zeroCreate m1.Numel) |> ignore))
    // whole pieces
    let config = Train.defaults
    let lossOf (pt: ParamTree) = Nn.crossEntropy (Model.applyLogits model pt Nn.Train (Rng.create 0L) x) labels
    add "forward only (model apply)" (time reps (fun () -> lossOf model.Params |> ignore))
    add "forward + backward (valueAndGrad)" (time reps (fun () -> Autodiff.valueAndGradParams lossOf model.Params |> ignore))
    let _, grads = Autodiff.valueAndGradParams lossOf model.Params
    let st = Optim.init config.Optimizer model.Params
    add "adam update" (time reps (fun () -> Optim.update config.Optimizer 1e-3f st model.Params grads |> ignore))
    let state = Train.init config model
    add "Train.step" (time reps (fun () -> Train.step config state x labels |> ignore))
    rows |> Seq.iteri (fun i (name, ms) -> printfn "%-36s %8.2f ms  %10.0f bytes allocated per call" name ms allocated.[i])
