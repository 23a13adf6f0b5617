/// Losses, metrics, the training step and fit: learning, freezing, early stopping, divergence,
/// determinism.
module FuncCnn.Core.Tests.TrainTests

open System
open Expecto
open FuncCnn.Core.Tests.TestUtil
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

[<Tests>]
let tests =
    testList "Train" [
        testCase "the O-vs-X network classifies all its letters after training" <| fun () ->
            let letters = FuncCnn.Core.Data.Letters.dataset ()
            let data = Examples.ofDataset letters
            let images, labels = FuncCnn.Core.Data.Dataset.toTensor (Array.init 10 id) letters, letters.Labels
            let model = Model.build (Rng.create 3L) Zoo.lettersInput Zoo.oVsX
            let config = { Train.defaults with BatchSize = 10; Epochs = 150; Schedule = Optim.Schedule.constant 0.02f; Seed = 1L }
            let result = Train.fit config model data
            Expect.equal (Train.predictClasses 32 result.Trained images) labels "Train.predictClasses 32 result.Trained images"
            let eval = Train.evaluate SparseCategoricalCrossEntropy 4 result.Trained data
            Expect.equal eval.Accuracy (Some 1.0) "eval.Accuracy"
            Expect.isTrue (eval.EvalLoss < 0.2) (sprintf "loss %g" eval.EvalLoss)
            Expect.isEmpty (Train.misclassified 4 result.Trained data) "Train.misclassified 4 result.Trained data"
            Expect.equal (Train.confusionMatrix 4 result.Trained data) (array2D [ [ 5; 0 ]; [ 0; 5 ] ]) "Train.confusionMatrix 4 result.Trained data"
            Expect.equal result.History.Length 150 "result.History.Length"

        testCase "the 5x5 MNIST model learns a few thousand real MNIST images in one epoch" <| fun () ->
            // Keras defaults (Adam 1e-3, batch 128): 10,000 images are 79 steps; measured 0.877 on the first 2,000 test images.
            let clock = Diagnostics.Stopwatch.StartNew()
            let train, test = FuncCnn.Core.Data.Mnist.load None
            let model = Model.build (Rng.create 0L) Zoo.mnistInput Zoo.mnist5x5
            let result = Train.fit { Train.defaults with Epochs = 1; Seed = 0L } model (Examples.ofDataset (FuncCnn.Core.Data.Dataset.take 10000 train))
            let eval = Train.evaluate SparseCategoricalCrossEntropy 500 result.Trained (Examples.ofDataset (FuncCnn.Core.Data.Dataset.take 2000 test))
            printfn "5x5 model, 10000 MNIST images, 1 epoch: test accuracy %.4f, loss %.4f, %.1f s" eval.Accuracy.Value eval.EvalLoss clock.Elapsed.TotalSeconds
            Expect.isTrue (eval.Accuracy.Value >= 0.85) (sprintf "test accuracy %.3f after one epoch of 10000 images" eval.Accuracy.Value)

        testCase "the training step lowers the loss on a batch (seed CNN, the benchmark's step)" <| fun () ->
            let model = Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn
            let rng = Rng.create 2L
            let images = Tensor.ofArray [| 16; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (16 * 784) rng)
            let labels = Array.init 16 (fun i -> i % 10)
            let config = Train.defaults
            let losses =
                List.init 8 id |> List.scan (fun (s, _) _ -> Train.step config s images labels) (Train.init config model, nanf)
                |> List.tail |> List.map snd
            Expect.isTrue (List.pairwise losses |> List.forall (fun (a, b) -> b < a)) (sprintf "losses %A" losses)
            Expect.isTrue (List.last losses < List.head losses - 0.1f) (sprintf "losses %A" losses)

        testCase "fit learns, reports history and validation, and computes accuracy from its own logits" <| fun () ->
            let images, labels = squares 240 4 5L
            let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
            let epochs = Collections.Generic.List<EpochRecord>()
            let config =
                { Train.defaults with BatchSize = 32; Epochs = 3; Validation = ValidationSplit 0.25; Schedule = Optim.Schedule.constant 0.01f
                                      OnEpoch = epochs.Add }
            let result = Train.fit config model (Examples.labelled images labels)
            Expect.equal result.History.Length 3 "result.History.Length"
            Expect.equal (List.ofSeq epochs) result.History "List.ofSeq epochs"
            let last = List.last result.History
            Expect.isTrue (last.TrainLoss < (List.head result.History).TrainLoss) "last.TrainLoss < (List.head result.History).TrainLoss"
            Expect.isTrue (last.ValAccuracy.Value > 0.9) (sprintf "%A" last)
            Expect.isTrue (last.TrainAccuracy.Value > 0.5) "last.TrainAccuracy.Value > 0.5"
            // 180 training examples in batches of 32: 6 steps per epoch
            Expect.equal result.FinalState.Optimizer.Step 18 "result.FinalState.Optimizer.Step"
            let probs = Train.predict 64 result.Trained images
            Expect.equal probs.Shape ([| 240; 4 |]) "probs.Shape"
            for i in 0 .. 239 do
                let row = Array.init 4 (fun j -> probs.[[| i; j |]])
                inRange 0.999f 1.001f (Array.sum row)

        testCase "same seed, same data: bit-identical history and parameters; another seed differs" <| fun () ->
            let images, labels = squares 96 4 6L
            let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
            let run seed =
                Train.fit { Train.defaults with BatchSize = 16; Epochs = 2; Seed = seed; Validation = ValidationSplit 0.25 } model (Examples.labelled images labels)
            let a, b, c = run 11L, run 11L, run 12L
            let strip (r: FitResult) = r.History |> List.map (fun e -> { e with Seconds = 0.0 })
            Expect.equal (strip b) (strip a) "strip b"
            Expect.equal (bits b.Trained) (bits a.Trained) "bits b.Trained"
            Expect.notEqual (bits c.Trained) (bits a.Trained) "bits c.Trained"

        testCase "ShouldStop ends training at a batch boundary with a partial, marked epoch" <| fun () ->
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
            Expect.isTrue r.Cancelled "r.Cancelled"
            Expect.equal (r.History |> List.map (fun e -> e.Epoch)) ([ 1; 2 ]) "r.History |> List.map (fun e -> e.Epoch)"
            Expect.equal (r.History |> List.map (fun e -> e.Complete)) ([ true; false ]) "r.History |> List.map (fun e -> e.Complete)"
            let last = progress.[progress.Count - 1]
            Expect.equal ((last.ProgressEpoch, last.Batch, last.Seen)) ((2, 2, 32)) "(last.ProgressEpoch, last.Batch, last.Seen)"
            // the partial epoch's loss is the running loss its batches reported
            equalDigits 12 last.RunningLoss (r.History.[1].TrainLoss)
            Expect.equal (r.History.[1].TrainAccuracy) last.RunningAccuracy "r.History.[1].TrainAccuracy"
            // and the parameters are those after the last batch that ran, not the start
            Expect.notEqual (bits r.Trained) (bits model) "bits r.Trained"

        sequencedCase "training gives the same bits on one thread as on all cores" <| fun () ->
            // the seed CNN at batch 64 is far above the kernels' threshold for splitting work across threads
            let images = Tensor.ofArray [| 128; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (128 * 784) (Rng.create 4L))
            let labels = Array.init 128 (fun i -> i % 10)
            let model = Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn
            let run threads =
                FuncCnn.Core.Kernels.Setup.withSettings { FuncCnn.Core.Kernels.Setup.defaultSettings with Threads = threads } (fun () ->
                    Train.fit { Train.defaults with BatchSize = 64; Epochs = 2; Seed = 3L } model (Examples.labelled images labels))
            let one, all = run 1, run -1
            Expect.equal (bits all.Trained) (bits one.Trained) "bits all.Trained"
            let losses (r: FitResult) = r.History |> List.map (fun e -> BitConverter.DoubleToInt64Bits e.TrainLoss)
            Expect.equal (losses all) (losses one) "losses all"

        testCase "frozen parameters stay bit-identical while the rest trains" <| fun () ->
            let images, labels = squares 64 4 7L
            let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
            let trainable = Model.frozen [ "conv2d"; "dense" ]
            let result = Train.fit { Train.defaults with BatchSize = 16; Epochs = 2; Trainable = trainable } model (Examples.labelled images labels)
            for (path, before), (_, after) in List.zip (bits model) (bits result.Trained) do
                if trainable path then Expect.notEqual after before "after" else Expect.equal after before "after"

        testCase "the decoder under a frozen encoder trains as an autoencoder with binary cross-entropy" <| fun () ->
            let images = Tensor.ofArray [| 16; 1; 28; 28 |] (Rng.uniform 0.0f 1.0f (16 * 784) (Rng.create 8L) |> Array.map (fun v -> if v > 0.7f then 1.0f else 0.0f))
            let classifier = Model.build (Rng.create 1L) Zoo.mnistInput Zoo.seedCnn
            let auto, trainable = Zoo.autoencoderFrom (Rng.create 2L) classifier
            let config = { Train.defaults with Loss = BinaryCrossEntropy; Trainable = trainable; BatchSize = 8; Epochs = 4; Shuffle = false }
            let result = Train.fit config auto (Examples.autoencoder images)
            let losses = result.History |> List.map (fun e -> e.TrainLoss)
            Expect.isTrue (List.last losses < List.head losses) (sprintf "losses %A" losses)
            Expect.isTrue (result.History |> List.forall (fun e -> e.TrainAccuracy.IsNone)) "result.History |> List.forall (fun e -> e.TrainAccuracy.IsNone)"
            for (path, before), (_, after) in List.zip (bits (Model.truncateAfter "dense1" auto)) (bits (Model.truncateAfter "dense1" result.Trained)) do
                Expect.isTrue ((before = after)) (sprintf "%s changed" path)

        testCase "a NaN loss stops training with an error naming the epoch and batch" <| fun () ->
            let images, labels = squares 8 4 9L
            let pixels = images.ToArray()
            pixels.[5 * 144 + 7] <- nanf // example 5: batch 3 of every epoch with batches of 2 in order
            let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
            let config = { Train.defaults with BatchSize = 2; Epochs = 3; Shuffle = false }
            let ex = throws<TrainingDivergedException> (fun () -> Train.fit config model (Examples.labelled (Tensor.ofArray images.Shape pixels) labels) |> ignore)
            Expect.equal ex.Epoch 1 "ex.Epoch"
            Expect.equal ex.Batch 3 "ex.Batch"
            Expect.stringContains ex.Message "epoch 1, batch 3" "ex.Message"

        testCase "a loss that blows up later names that epoch" <| fun () ->
            let images, labels = squares 8 4 9L
            let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
            // 4 steps per epoch; from step 4 on (epoch 2, batch 1) the rate is absurd
            let config = { Train.defaults with BatchSize = 2; Epochs = 3; Shuffle = false; Schedule = fun s -> if s >= 4 then 1e30f else 1e-3f }
            let ex = throws<TrainingDivergedException> (fun () -> Train.fit config model (Examples.labelled images labels) |> ignore)
            Expect.equal ex.Epoch 2 "ex.Epoch"
            inRange 2 4 ex.Batch

        testCase "early stopping stops and restores the best epoch's parameters" <| fun () ->
            let images, labels = squares 64 4 10L
            let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
            let baseConfig = { Train.defaults with BatchSize = 16; Validation = ValidationSplit 0.25; Seed = 3L }
            // a min-delta no later epoch can beat: epoch 1 stays best, patience 2 stops after epoch 3
            let es = { Monitor = ValLoss; Patience = 2; MinDelta = 1e9; RestoreBest = true }
            let stopped = Train.fit { baseConfig with Epochs = 10; EarlyStopping = Some es } model (Examples.labelled images labels)
            Expect.isTrue stopped.StoppedEarly "stopped.StoppedEarly"
            Expect.equal stopped.BestEpoch (Some 1) "stopped.BestEpoch"
            Expect.equal stopped.History.Length 3 "stopped.History.Length"
            let oneEpoch = Train.fit { baseConfig with Epochs = 1 } model (Examples.labelled images labels)
            Expect.equal (bits stopped.Trained) (bits oneEpoch.Trained) "bits stopped.Trained"
            Expect.notEqual (bits stopped.Trained) (bits stopped.FinalState.Model) "bits stopped.Trained"

        testCase "early stopping on validation needs validation data" <| fun () ->
            let images, labels = squares 8 4 9L
            let model = Model.build (Rng.create 1L) [| 1; 12; 12 |] smallCnn
            let es = { Monitor = ValAccuracy; Patience = 1; MinDelta = 0.0; RestoreBest = false }
            throws<InvalidValueException> (fun () -> Train.fit { Train.defaults with EarlyStopping = Some es } model (Examples.labelled images labels) |> ignore) |> ignore

        testCase "a model ending in softmax trains on the fused cross-entropy of its logits" <| fun () ->
            let images, labels = squares 16 4 12L
            let logitsModel = Model.build (Rng.create 1L) [| 1; 12; 12 |] (flatten --> dense 4 linear)
            let softmaxModel = Model.build (Rng.create 1L) [| 1; 12; 12 |] (flatten --> dense 4 softmax)
            let ex = Examples.labelled images labels
            let a = Train.evaluate SparseCategoricalCrossEntropy 16 logitsModel ex
            let b = Train.evaluate SparseCategoricalCrossEntropy 16 softmaxModel ex
            Expect.equal b a "b"
            Expect.equal (Train.predict 8 softmaxModel images |> Tensor.toArray) (Train.predict 8 logitsModel images |> Tensor.toArray) "Train.predict 8 softmaxModel images |> Tensor.toArray"
            // categorical cross-entropy with labels is the sparse one
            let c = Train.evaluate CategoricalCrossEntropy 16 logitsModel ex
            equalDigits 5 a.EvalLoss c.EvalLoss

        testCase "Keras' binary cross-entropy clips predictions and passes no gradient outside the clip" <| fun () ->
            let p = Tensor.ofArray [| 4 |] [| -0.5f; 0.3f; 0.9f; 1.5f |]
            let t = Tensor.ofArray [| 4 |] [| 0.0f; 1.0f; 0.0f; 1.0f |]
            let clip v = min (max v 1e-7) (1.0 - 1e-7)
            let expected =
                Array.map2 (fun (p: float32) (t: float32) ->
                    let c = clip (float p)
                    -(float t * log (c + 1e-7) + (1.0 - float t) * log (1.0 - c + 1e-7))) (p.ToArray()) (t.ToArray()) |> Array.average
            let v, g = Autodiff.valueAndGrad (fun p -> Loss.binaryCrossEntropyClipped p t) p
            equalDigits 4 expected (float (v.ToScalar()))
            let g = g.ToArray()
            Expect.equal (g.[0]) 0.0f "g.[0]"
            Expect.equal (g.[3]) 0.0f "g.[3]"
            equalDigits 4 (-0.25f / 0.3f) (g.[1])
            equalDigits 3 (0.25f / (1.0f - 0.9f)) (g.[2])

        testCase "metrics: accuracy, confusion matrix and misclassified examples" <| fun () ->
            let probs = Tensor.ofRows [| [| 0.7f; 0.2f; 0.1f |]; [| 0.1f; 0.3f; 0.6f |]; [| 0.2f; 0.5f; 0.3f |] |]
            let actual = [| 0; 1; 1 |]
            Expect.equal (Metrics.argmaxRows probs) ([| 0; 2; 1 |]) "Metrics.argmaxRows probs"
            equalDigits 10 (2.0 / 3.0) (Metrics.accuracy (Metrics.argmaxRows probs) actual)
            Expect.equal (Metrics.confusionMatrix 3 actual (Metrics.argmaxRows probs)) (array2D [ [ 1; 0; 0 ]; [ 0; 1; 1 ]; [ 0; 0; 0 ] ]) "Metrics.confusionMatrix 3 actual (Metrics.argmaxRows probs)"
            Expect.equal (Metrics.misclassified probs actual) ([ { Index = 1; Predicted = 2; Actual = 1; Confidence = 0.6f } ]) "Metrics.misclassified probs actual"

        testCase "assess measures loss, accuracy, confusion and errors in one pass, with the examples' own indices" <| fun () ->
            let images, labels = squares 40 4 9L
            let model = Model.build (Rng.create 2L) [| 1; 12; 12 |] smallCnn   // untrained: plenty of errors
            let ex = Examples.labelled images labels
            let a = Train.assess 7 model ex                                    // 6 batches, the last partial
            let e = Train.evaluate SparseCategoricalCrossEntropy 7 model ex
            equalDigits 6 e.EvalLoss a.AssessedLoss
            equalDigits 12 e.Accuracy.Value a.AssessedAccuracy
            Expect.equal a.Count 40 "a.Count"
            // against the whole-set metrics on one prediction of everything
            let probs = Train.predict 40 model images
            let predicted = Metrics.argmaxRows probs
            Expect.equal a.Confusion (Metrics.confusionMatrix 4 labels predicted) "a.Confusion"
            Expect.equal (a.Misclassified |> List.map (fun m -> m.Index)) (Metrics.misclassified probs labels |> List.map (fun m -> m.Index)) "a.Misclassified |> List.map (fun m -> m.Index)"
            Expect.isTrue (a.Misclassified |> List.exists (fun m -> m.Index >= 7)) "some errors lie beyond the first batch"
            Seq.iter (fun m -> Expect.equal m.Actual (labels.[m.Index]) "m.Actual") a.Misclassified

        testCase "validation split takes the last fraction before shuffling, like Keras" <| fun () ->
            let images, labels = squares 10 4 1L
            let train, valid = Examples.split 0.2 (Examples.labelled images labels)
            Expect.equal train.Count 8 "train.Count"
            Expect.equal valid.Count 2 "valid.Count"
            match valid.Gather [| 0; 1 |] with
            | _, Labels l -> Expect.equal l ([| labels.[8]; labels.[9] |]) "l"
            | _ -> failtest "labels expected"
    ]
