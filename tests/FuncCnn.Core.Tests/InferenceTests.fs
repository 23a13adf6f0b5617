/// Inference over a whole dataset in reused buffers (Inference): the same probabilities as the layer-by-layer
/// forward pass (Train.predict) for every kind of layer, bytes and floats, any chunking, and clear errors.
module FuncCnn.Core.Tests.InferenceTests

open Expecto
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Layers
open FuncCnn.Core.Tests.TestUtil

let private images (n: int) (shape: int[]) (seed: int64) = Rng.uniform 0.0f 1.0f (n * Shape.numel shape) (Rng.create seed)

let private floats (n: int) (shape: int[]) (seed: int64) =
    Dataset.ofFloats "random" shape (images n shape seed) (Array.init n (fun i -> i % 2)) [| "a"; "b" |]

/// Train.predict, the layer-by-layer reference, on the same images.
let private reference (model: Model) (ds: Dataset) =
    (Train.predict 128 model (Dataset.toTensor (Array.init ds.Labels.Length id) ds)).ToArray()

let private close (actual: float32[]) (expected: float32[]) =
    Expect.equal actual.Length expected.Length "one probability per image and class"
    for i in 0 .. actual.Length - 1 do
        if abs (actual.[i] - expected.[i]) > 1e-5f then
            failtestf "value %d: %g from Inference, %g from Train.predict" i actual.[i] expected.[i]

let private argmax (classes: int) (p: float32[]) = Array.init (p.Length / classes) (fun i -> Array.sub p (i * classes) classes |> Array.indexed |> Array.maxBy snd |> fst)

[<Tests>]
let tests =
    testList "Inference" [
        test "the seed CNN: Inference.probabilities gives Train.predict's probabilities for 300 images (several chunks)" {
            let model = Model.build (Rng.create 3L) Zoo.mnistInput Zoo.seedCnn
            let ds = floats 300 [| 1; 28; 28 |] 5L
            let p = Inference.probabilities model ds
            close p (reference model ds)
            Expect.equal (argmax 10 p) (argmax 10 (reference model ds)) "same predicted classes"
            for i in 0 .. 299 do
                Expect.floatClose Accuracy.medium (float (Array.sum (Array.sub p (i * 10) 10))) 1.0 "each row sums to 1"
        }
        test "bytes are scaled by 1/255 as batches scale them" {
            let model = Model.build (Rng.create 4L) Zoo.mnistInput Zoo.seedCnn
            let bytes = Array.init (20 * 784) (fun i -> byte ((i * 37) % 256))
            let ds = Dataset.ofBytes "bytes" [| 1; 28; 28 |] bytes (Array.zeroCreate 20) [| "a"; "b" |]
            close (Inference.probabilities model ds) (reference model ds)
        }
        test "same padding, strides, GEMM convolution, tanh, average pooling, dropout and a softmax layer" {
            let strided = Layers.conv2dWith { Layers.convSpec 6 3 Layers.tanh with Strides = (2, 2); Padding = Padding.Same }
            let arch =
                conv2dSame 5 3 relu --> maxPool 2 --> strided --> avgPool 2 --> conv2d 4 2 sigmoid
                --> flatten --> dense 12 relu --> dropout 0.5f --> dense 3 softmax
            let shape = [| 3; 17; 17 |]
            let model = Model.build (Rng.create 6L) shape arch
            let ds = Dataset.ofFloats "rgb" shape (images 40 shape 7L) (Array.zeroCreate 40) [| "a"; "b"; "c" |]
            close (Inference.probabilities model ds) (reference model ds)
        }
        test "a dense-only model and an odd-sized max pool window" {
            let arch = Layers.layer (MaxPool2D { PoolName = None; PoolSize = (3, 2); PoolStrides = (2, 3) }) --> flatten --> dense 7 relu --> dense 2
            let model = Model.build (Rng.create 8L) [| 2; 11; 13 |] arch
            let ds = floats 33 [| 2; 11; 13 |] 9L
            close (Inference.probabilities model ds) (reference model ds)
        }
        test "Inference.outputs gives Model.predictRaw's outputs (logits, no softmax)" {
            let model = Model.build (Rng.create 10L) Zoo.mnistInput Zoo.seedCnn
            let x = images 9 Zoo.mnistInput 11L
            close (Inference.outputs model x) ((Model.predictRaw model (Tensor.ofArray [| 9; 1; 28; 28 |] x)).ToArray())
        }
        test "a NaN in a pooling window wins, as in the pooling kernel" {
            let model = Model.build (Rng.create 12L) [| 1; 4; 4 |] (maxPool 2 --> flatten)
            let x = Array.init 16 float32
            x.[5] <- nan |> float32
            let y = Inference.outputs model x
            Expect.isTrue (System.Single.IsNaN y.[0]) "the window holding the NaN gives NaN"
            Expect.equal y.[1..] [| 7.0f; 13.0f; 15.0f |] "the other windows give their maxima"
            // a row wide enough for the vectorised pass: a NaN in either row of a window
            let wide = Model.build (Rng.create 12L) [| 1; 2; 40 |] (maxPool 2 --> flatten)
            let x = Array.init 80 (fun i -> float32 (i % 40))
            x.[21] <- nan |> float32
            x.[40 + 34] <- nan |> float32
            let y = Inference.outputs wide x
            for ow in 0 .. 19 do
                if ow = 10 || ow = 17 then Expect.isTrue (System.Single.IsNaN y.[ow]) (sprintf "window %d holds a NaN" ow)
                else Expect.equal y.[ow] (float32 (2 * ow + 1)) (sprintf "window %d" ow)
        }
        test "an empty dataset gives no probabilities" {
            let model = Model.build (Rng.create 13L) Zoo.mnistInput Zoo.seedCnn
            let ds = Dataset.ofFloats "empty" [| 1; 28; 28 |] [||] [||] [| "a" |]
            Expect.isEmpty (Inference.probabilities model ds) "nothing to predict"
        }
        test "images of another shape: a ShapeException naming both shapes" {
            let model = Model.build (Rng.create 14L) Zoo.mnistInput Zoo.seedCnn
            let ds = floats 2 [| 1; 12; 12 |] 15L
            let e = throws<ShapeException> (fun () -> Inference.probabilities model ds |> ignore)
            Expect.stringContains e.Message "[1,12,12]" "names the dataset's shape"
        }
    ]

/// Eval passes (Model.predictRaw, Train.predict, evaluation) run in reused workspaces; what they
/// return must be the caller's own, never an array a later pass writes into.
[<Tests>]
let workspaceTests =
    testList "Inference workspaces" [
        test "a later prediction does not change an earlier one, and repeated ones are bit-identical" {
            let arch, shape = Zoo.preset "seed-cnn"
            let model = Model.build (Rng.create 0L) shape arch
            // 256 images x 10 classes: outputs large enough (>= 1024 floats) to come from a workspace
            let x seed = Tensor.ofArray [| 256; 1; 28; 28 |] (images 256 shape seed)
            let first = Model.predictRaw model (x 1L)
            let kept = Array.copy first.Data
            let other = Model.predictRaw model (x 2L)
            Expect.equal first.Data kept "the first result is untouched by the second call"
            Expect.notEqual other.Data kept "different images, different outputs"
            Expect.equal (Model.predictRaw model (x 1L)).Data kept "the same images give the same bits again"
            let p1 = Train.predict 256 model (x 1L)
            let keptP = Array.copy p1.Data
            Train.predict 256 model (x 2L) |> ignore
            Expect.equal p1.Data keptP "Train.predict's result is untouched by a later call"
        }
    ]
