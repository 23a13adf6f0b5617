/// Losses, metrics, the training step and fit: learning, freezing, early stopping, divergence,
/// determinism.
module FuncCnn.Core.Tests.TrainTests

open System
open Xunit
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Layers

/// Easy synthetic 12x12 images: class k has a bright 3x3 square in its own place, plus noise.
let squares (n: int) (classes: int) (seed: int64) =
    let rng = Rng.create seed
    let labels = Array.init n (fun i -> i % classes)
    let noise = Rng.uniform 0.0f 0.2f (n * 144) rng
    let pixels =
        Array.init (n * 144) (fun j ->
            let i, p = j / 144, j % 144
            let y, x = p / 12, p % 12
            let k = labels.[i]
            let cy, cx = 1 + (k / 3) * 4, 1 + (k % 3) * 4
            if y >= cy && y < cy + 3 && x >= cx && x < cx + 3 then 1.0f else noise.[j])
    Tensor.ofArray [| n; 1; 12; 12 |] pixels, labels

let private smallCnn = conv2d 4 3 relu --> maxPool 2 --> flatten --> dense 16 relu --> dropout 0.2f --> dense 4

let private bits (m: Model) = ParamTree.leaves m.Params |> List.map (fun (p, t: Tensor) -> p, t.ToArray() |> Array.map BitConverter.SingleToInt32Bits)

[<Fact>]
let ``the O-vs-X network classifies all its letters after training`` () =
    let letters = FuncCnn.Core.Data.Letters.dataset ()
    let data = Examples.ofDataset letters
    let images, labels = FuncCnn.Core.Data.Dataset.toTensor (Array.init 10 id) letters, letters.Labels
    let model = Model.build (Rng.create 3L) Zoo.lettersInput Zoo.oVsX
    let config = { Train.defaults with BatchSize = 10; Epochs = 150; Schedule = Optim.Schedule.constant 0.02f; Seed = 1L }
    let result = Train.fit config model data
    Assert.Equal<int[]>(labels, Train.predictClasses 32 result.Trained images)
    let eval = Train.evaluate SparseCategoricalCrossEntropy 4 result.Trained data
    Assert.Equal(Some 1.0, eval.Accuracy)
    Assert.True(eval.EvalLoss < 0.2, sprintf "loss %g" eval.EvalLoss)
    Assert.Empty(Train.misclassified 4 result.Trained data)
    Assert.Equal<int[,]>(array2D [ [ 5; 0 ]; [ 0; 5 ] ], Train.confusionMatrix 4 result.Trained data)
    Assert.Equal(150, result.History.Length)

[<Fact>]
let ``the 5x5 MNIST model learns a few thousand real MNIST images in one epoch`` () =
    // Keras defaults (Adam 1e-3, batch 128): 10,000 images are 79 steps; measured 0.877 on the first 2,000 test images.
    let clock = Diagnostics.Stopwatch.StartNew()
    let train, test = FuncCnn.Core.Data.Mnist.load None
    let model = Model.build (Rng.create 0L) Zoo.mnistInput Zoo.mnist5x5
    let result = Train.fit { Train.defaults with Epochs = 1; Seed = 0L } model (Examples.ofDataset (FuncCnn.Core.Data.Dataset.take 10000 train))
    let eval = Train.evaluate SparseCategoricalCrossEntropy 500 result.Trained (Examples.ofDataset (FuncCnn.Core.Data.Dataset.take 2000 test))
    printfn "5x5 model, 10000 MNIST images, 1 epoch: test accuracy %.4f, loss %.4f, %.1f s" eval.Accuracy.Value eval.EvalLoss clock.Elapsed.TotalSeconds
    Assert.True(eval.Accuracy.Value >= 0.85, sprintf "test accuracy %.3f after one epoch of 10000 images" eval.Accuracy.Value)

[<Fact>]
let ``the training step lowers the loss on a batch (seed CNN, the benchmark's step)`` () =
    let model = Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn
    let rng = Rng.create 2L
    let images = Tensor.ofArray [| 16; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (16 * 784) rng)
    let labels = Array.init 16 (fun i -> i % 10)
    let config = Train.defaults
    let losses =
        List.init 8 id |> List.scan (fun (s, _) _ -> Train.step config s images labels) (Train.init config model, nanf)
        |> List.tail |> List.map snd
    Assert.True(List.pairwise losses |> List.forall (fun (a, b) -> b < a), sprintf "losses %A" losses)
    Assert.True(List.last losses < List.head losses - 0.1f, sprintf "losses %A" losses)

[<Fact>]
let ``fit learns, reports history and validation, and computes accuracy from its own logits`` () =
    let images, labels = squares 240 4 5L
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    let epochs = Collections.Generic.List<EpochRecord>()
    let config =
        { Train.defaults with BatchSize = 32; Epochs = 3; Validation = ValidationSplit 0.25; Schedule = Optim.Schedule.constant 0.01f
                              OnEpoch = epochs.Add }
    let result = Train.fit config model (Examples.labelled images labels)
    Assert.Equal(3, result.History.Length)
    Assert.Equal<EpochRecord list>(result.History, List.ofSeq epochs)
    let last = List.last result.History
    Assert.True(last.TrainLoss < (List.head result.History).TrainLoss)
    Assert.True(last.ValAccuracy.Value > 0.9, sprintf "%A" last)
    Assert.True(last.TrainAccuracy.Value > 0.5)
    // 180 training examples in batches of 32: 6 steps per epoch
    Assert.Equal(18, result.FinalState.Optimizer.Step)
    let probs = Train.predict 64 result.Trained images
    Assert.Equal<int[]>([| 240; 4 |], probs.Shape)
    for i in 0 .. 239 do
        let row = Array.init 4 (fun j -> probs.[[| i; j |]])
        Assert.InRange(Array.sum row, 0.999f, 1.001f)

[<Fact>]
let ``same seed, same data: bit-identical history and parameters; another seed differs`` () =
    let images, labels = squares 96 4 6L
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    let run seed =
        Train.fit { Train.defaults with BatchSize = 16; Epochs = 2; Seed = seed; Validation = ValidationSplit 0.25 } model (Examples.labelled images labels)
    let a, b, c = run 11L, run 11L, run 12L
    let strip (r: FitResult) = r.History |> List.map (fun e -> { e with Seconds = 0.0 })
    Assert.Equal<EpochRecord list>(strip a, strip b)
    Assert.Equal<(string * int[]) list>(bits a.Trained, bits b.Trained)
    Assert.NotEqual<(string * int[]) list>(bits a.Trained, bits c.Trained)

[<Fact>]
let ``ShouldStop ends training at a batch boundary with a partial, marked epoch`` () =
    let images, labels = squares 96 4 6L
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    let progress = ResizeArray<BatchProgress>()
    // 6 batches per epoch: stop before the 9th batch, i.e. after 2 batches of epoch 2
    let config =
        { Train.defaults with
            BatchSize = 16; Epochs = 5
            OnBatch = progress.Add
            ShouldStop = fun () -> progress.Count = 8 }
    let r = Train.fit config model (Examples.labelled images labels)
    Assert.True(r.Cancelled)
    Assert.Equal<int list>([ 1; 2 ], r.History |> List.map (fun e -> e.Epoch))
    Assert.Equal<bool list>([ true; false ], r.History |> List.map (fun e -> e.Complete))
    let last = progress.[progress.Count - 1]
    Assert.Equal((2, 2, 32), (last.ProgressEpoch, last.Batch, last.Seen))
    // the partial epoch's loss is the running loss its batches reported
    Assert.Equal(last.RunningLoss, r.History.[1].TrainLoss, 12)
    Assert.Equal(last.RunningAccuracy, r.History.[1].TrainAccuracy)
    // and the parameters are those after the last batch that ran, not the start
    Assert.NotEqual<(string * int[]) list>(bits model, bits r.Trained)

[<Fact>]
let ``training gives the same bits on one thread as on all cores`` () =
    // the seed CNN at batch 64 is far above the kernels' threshold for splitting work across threads
    let images = Tensor.ofArray [| 128; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (128 * 784) (Rng.create 4L))
    let labels = Array.init 128 (fun i -> i % 10)
    let model = Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn
    let run threads =
        let before = FuncCnn.Core.Kernels.Setup.maxDegreeOfParallelism
        FuncCnn.Core.Kernels.Setup.maxDegreeOfParallelism <- threads
        try Train.fit { Train.defaults with BatchSize = 64; Epochs = 2; Seed = 3L } model (Examples.labelled images labels)
        finally FuncCnn.Core.Kernels.Setup.maxDegreeOfParallelism <- before
    let one, all = run 1, run -1
    Assert.Equal<(string * int[]) list>(bits one.Trained, bits all.Trained)
    let losses (r: FitResult) = r.History |> List.map (fun e -> BitConverter.DoubleToInt64Bits e.TrainLoss)
    Assert.Equal<int64 list>(losses one, losses all)

[<Fact>]
let ``frozen parameters stay bit-identical while the rest trains`` () =
    let images, labels = squares 64 4 7L
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    let trainable = Model.frozen [ "conv2d"; "dense" ]
    let result = Train.fit { Train.defaults with BatchSize = 16; Epochs = 2; Trainable = trainable } model (Examples.labelled images labels)
    for (path, before), (_, after) in List.zip (bits model) (bits result.Trained) do
        if trainable path then Assert.NotEqual<int[]>(before, after) else Assert.Equal<int[]>(before, after)

[<Fact>]
let ``the decoder under a frozen encoder trains as an autoencoder with binary cross-entropy`` () =
    let images = Tensor.ofArray [| 16; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (16 * 784) (Rng.create 8L) |> Array.map (fun v -> if v > 0.7f then 1.0f else 0.0f))
    let classifier = Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn
    let auto, trainable = Zoo.autoencoderFrom (Rng.create 2L) classifier
    let config = { Train.defaults with Loss = BinaryCrossEntropy; Trainable = trainable; BatchSize = 8; Epochs = 4; Shuffle = false }
    let result = Train.fit config auto (Examples.autoencoder images)
    let losses = result.History |> List.map (fun e -> e.TrainLoss)
    Assert.True(List.last losses < List.head losses, sprintf "losses %A" losses)
    Assert.True(result.History |> List.forall (fun e -> e.TrainAccuracy.IsNone))
    for (path, before), (_, after) in List.zip (bits (Model.truncateAfter "dense1" auto)) (bits (Model.truncateAfter "dense1" result.Trained)) do
        Assert.True((before = after), sprintf "%s changed" path)

[<Fact>]
let ``a NaN loss stops training with an error naming the epoch and batch`` () =
    let images, labels = squares 8 4 9L
    let pixels = images.ToArray()
    pixels.[5 * 144 + 7] <- nanf // example 5: batch 3 of every epoch with batches of 2 in order
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    let config = { Train.defaults with BatchSize = 2; Epochs = 3; Shuffle = false }
    let ex = Assert.Throws<TrainingDivergedException>(fun () -> Train.fit config model (Examples.labelled (Tensor.ofArray images.Shape pixels) labels) |> ignore)
    Assert.Equal(1, ex.Epoch)
    Assert.Equal(3, ex.Batch)
    Assert.Contains("epoch 1, batch 3", ex.Message)

[<Fact>]
let ``a loss that blows up later names that epoch`` () =
    let images, labels = squares 8 4 9L
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    // 4 steps per epoch; from step 4 on (epoch 2, batch 1) the rate is absurd
    let config = { Train.defaults with BatchSize = 2; Epochs = 3; Shuffle = false; Schedule = fun s -> if s >= 4 then 1e30f else 1e-3f }
    let ex = Assert.Throws<TrainingDivergedException>(fun () -> Train.fit config model (Examples.labelled images labels) |> ignore)
    Assert.Equal(2, ex.Epoch)
    Assert.InRange(ex.Batch, 2, 4)

[<Fact>]
let ``early stopping stops and restores the best epoch's parameters`` () =
    let images, labels = squares 64 4 10L
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    let baseConfig = { Train.defaults with BatchSize = 16; Validation = ValidationSplit 0.25; Seed = 3L }
    // a min-delta no later epoch can beat: epoch 1 stays best, patience 2 stops after epoch 3
    let es = { Monitor = ValLoss; Patience = 2; MinDelta = 1e9; RestoreBest = true }
    let stopped = Train.fit { baseConfig with Epochs = 10; EarlyStopping = Some es } model (Examples.labelled images labels)
    Assert.True(stopped.StoppedEarly)
    Assert.Equal(Some 1, stopped.BestEpoch)
    Assert.Equal(3, stopped.History.Length)
    let oneEpoch = Train.fit { baseConfig with Epochs = 1 } model (Examples.labelled images labels)
    Assert.Equal<(string * int[]) list>(bits oneEpoch.Trained, bits stopped.Trained)
    Assert.NotEqual<(string * int[]) list>(bits stopped.FinalState.Model, bits stopped.Trained)

[<Fact>]
let ``early stopping on validation needs validation data`` () =
    let images, labels = squares 8 4 9L
    let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
    let es = { Monitor = ValAccuracy; Patience = 1; MinDelta = 0.0; RestoreBest = false }
    Assert.Throws<InvalidValueException>(fun () -> Train.fit { Train.defaults with EarlyStopping = Some es } model (Examples.labelled images labels) |> ignore) |> ignore

[<Fact>]
let ``a model ending in softmax trains on the fused cross-entropy of its logits`` () =
    let images, labels = squares 16 4 12L
    let logitsModel = Model.build (Rng.create 1L) [| 1; 12; 12 |] (flatten --> dense 4 linear)
    let softmaxModel = Model.build (Rng.create 1L) [| 1; 12; 12 |] (flatten --> dense 4 softmax)
    let ex = Examples.labelled images labels
    let a = Train.evaluate SparseCategoricalCrossEntropy 16 logitsModel ex
    let b = Train.evaluate SparseCategoricalCrossEntropy 16 softmaxModel ex
    Assert.Equal(a, b)
    Assert.Equal<float32>(Train.predict 8 logitsModel images |> Tensor.toArray, Train.predict 8 softmaxModel images |> Tensor.toArray)
    // categorical cross-entropy with labels is the sparse one
    let c = Train.evaluate CategoricalCrossEntropy 16 logitsModel ex
    Assert.Equal(a.EvalLoss, c.EvalLoss, 5)

[<Fact>]
let ``Keras' binary cross-entropy clips predictions and passes no gradient outside the clip`` () =
    let p = Tensor.ofArray [| 4 |] [| -0.5f; 0.3f; 0.9f; 1.5f |]
    let t = Tensor.ofArray [| 4 |] [| 0.0f; 1.0f; 0.0f; 1.0f |]
    let clip v = min (max v 1e-7) (1.0 - 1e-7)
    let expected =
        Array.map2 (fun (p: float32) (t: float32) ->
            let c = clip (float p)
            -(float t * log (c + 1e-7) + (1.0 - float t) * log (1.0 - c + 1e-7))) (p.ToArray()) (t.ToArray()) |> Array.average
    let v, g = Autodiff.valueAndGrad (fun p -> Loss.binaryCrossEntropyClipped p t) p
    Assert.Equal(expected, float (v.ToScalar()), 4)
    let g = g.ToArray()
    Assert.Equal(0.0f, g.[0])
    Assert.Equal(0.0f, g.[3])
    Assert.Equal(-0.25f / 0.3f, g.[1], 4)
    Assert.Equal(0.25f / (1.0f - 0.9f), g.[2], 3)

[<Fact>]
let ``metrics: accuracy, confusion matrix and misclassified examples`` () =
    let probs = Tensor.ofRows [| [| 0.7f; 0.2f; 0.1f |]; [| 0.1f; 0.3f; 0.6f |]; [| 0.2f; 0.5f; 0.3f |] |]
    let actual = [| 0; 1; 1 |]
    Assert.Equal<int[]>([| 0; 2; 1 |], Metrics.argmaxRows probs)
    Assert.Equal(2.0 / 3.0, Metrics.accuracy (Metrics.argmaxRows probs) actual, 10)
    Assert.Equal<int[,]>(array2D [ [ 1; 0; 0 ]; [ 0; 1; 1 ]; [ 0; 0; 0 ] ], Metrics.confusionMatrix 3 actual (Metrics.argmaxRows probs))
    Assert.Equal<Misclassified list>([ { Index = 1; Predicted = 2; Actual = 1; Confidence = 0.6f } ], Metrics.misclassified probs actual)

[<Fact>]
let ``assess measures loss, accuracy, confusion and errors in one pass, with the examples' own indices`` () =
    let images, labels = squares 40 4 9L
    let model = Model.build (Rng.create 2L) [| 1; 12; 12 |] smallCnn   // untrained: plenty of errors
    let ex = Examples.labelled images labels
    let a = Train.assess 7 model ex                                    // 6 batches, the last partial
    let e = Train.evaluate SparseCategoricalCrossEntropy 7 model ex
    Assert.Equal(e.EvalLoss, a.AssessedLoss, 6)
    Assert.Equal(e.Accuracy.Value, a.AssessedAccuracy, 12)
    Assert.Equal(40, a.Count)
    // against the whole-set metrics on one prediction of everything
    let probs = Train.predict 40 model images
    let predicted = Metrics.argmaxRows probs
    Assert.Equal<int[,]>(Metrics.confusionMatrix 4 labels predicted, a.Confusion)
    Assert.Equal<int list>(Metrics.misclassified probs labels |> List.map (fun m -> m.Index), a.Misclassified |> List.map (fun m -> m.Index))
    Assert.True(a.Misclassified |> List.exists (fun m -> m.Index >= 7), "some errors lie beyond the first batch")
    Assert.All(a.Misclassified, fun m -> Assert.Equal(labels.[m.Index], m.Actual))

[<Fact>]
let ``validation split takes the last fraction before shuffling, like Keras`` () =
    let images, labels = squares 10 4 1L
    let train, valid = Examples.split 0.2 (Examples.labelled images labels)
    Assert.Equal(8, train.Count)
    Assert.Equal(2, valid.Count)
    match valid.Gather [| 0; 1 |] with
    | _, Labels l -> Assert.Equal<int[]>([| labels.[8]; labels.[9] |], l)
    | _ -> Assert.Fail "labels expected"
