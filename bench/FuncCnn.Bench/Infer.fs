/// `infer`: inference throughput (images/s) of the seed CNN at batch 1 and batch 128, in FuncCnn and
/// in ONNX Runtime running FuncCnn's ONNX export of the same model, side by side in one run.
module FuncCnn.Bench.Infer

open System
open System.Diagnostics
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open Microsoft.ML.OnnxRuntime
open Microsoft.ML.OnnxRuntime.Tensors

/// The first `n` MNIST test images as one [n,1,28,28] batch, or seeded random pixels without MNIST.
let private images (n: int) =
    try
        let _, test = Mnist.load None
        (Dataset.batches n test |> Seq.head).Images.ToArray(), "mnist"
    with :? FuncCnnException -> Rng.uniform 0.0f 1.0f (n * 784) (Rng.create 1L), "random"

/// Images/s of `run` (one call = `batch` images): median of `reps` timings of enough calls to take
/// about 0.3 s each, after warm-up.
let private throughput (batch: int) (reps: int) (run: unit -> unit) =
    for _ in 1 .. 5 do run ()
    let sw = Stopwatch.StartNew()
    let mutable calls = 0
    while sw.Elapsed.TotalSeconds < 0.3 do
        run ()
        calls <- calls + 1
    let perRep = max 1 calls
    let rates =
        Array.init reps (fun _ ->
            let sw = Stopwatch.StartNew()
            for _ in 1 .. perRep do run ()
            float (batch * perRep) / sw.Elapsed.TotalSeconds)
    Step.median rates

let run (reps: int) =
    let arch, inputShape = Zoo.preset "seed-cnn"
    let model = Model.build (Rng.create 0L) inputShape arch
    let onnx = Interop.Onnx.toBytes model
    use options = new SessionOptions()
    use session = new InferenceSession(onnx, options)
    let data, source = images 128
    printfn "seed CNN (%d parameters), %s images, %d cores; ONNX Runtime %s on FuncCnn's ONNX export (opset %d)"
        (ParamTree.count model.Params) source Environment.ProcessorCount (OrtEnv.Instance().GetVersionString()) Interop.Onnx.Opset
    printfn "%-8s %16s %16s %8s" "batch" "FuncCnn img/s" "ORT img/s" "ORT/FuncCnn"
    let results =
        [ for batch in [ 1; 128 ] ->
            let slice = data.[.. batch * 784 - 1]
            let x = Tensor.ofArray [| batch; 1; 28; 28 |] slice
            let ours = throughput batch reps (fun () -> Model.predictRaw model x |> ignore)
            let input = [ NamedOnnxValue.CreateFromTensor("input", DenseTensor<float32>(Memory slice, ReadOnlySpan [| batch; 1; 28; 28 |])) ]
            let theirs = throughput batch reps (fun () -> (session.Run input).Dispose())
            printfn "%-8d %16.0f %16.0f %8.2f" batch ours theirs (theirs / ours)
            batch, ours, theirs ]
    let json =
        results |> List.map (fun (b, o, t) -> sprintf "\"batch%d\":{\"funccnn\":%.0f,\"onnxruntime\":%.0f,\"ratio\":%.2f}" b o t (t / o)) |> String.concat ","
    printfn "{\"model\":\"seed-cnn\",%s,\"cores\":%d,\"data\":\"%s\"}" json Environment.ProcessorCount source
