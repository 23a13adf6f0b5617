/// Layers, composition, shape inference, names, summaries and the zoo.
module FuncCnn.Core.Tests.LayerTests

open System
open System.IO
open System.Text.Json
open Expecto
open FsCheck
open FsCheck.FSharp
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Layers
open FuncCnn.Core.Tests.TestUtil

let private build input arch = Model.build (Rng.create 1L) input arch

let private randomInput (rng: Rng) (shape: int[]) = Tensor.ofArray shape (Rng.uniform 0.0f 1.0f (Shape.numel shape) rng)

let private expectedCounts =
    [ "seed-cnn", 121930
      "mnist-5x5", 37610
      "mnist-same", 97802
      "mnist-dropout", 93322
      "fashion-cnn", 69798
      "quickdraw", 500985
      "fashion-dense", 15910
      "o-vs-x", 40
      "decoder", 259521 ]

/// A random small architecture and input from a few integers, for the shape property.
let private randomCase (c: int) (h: int) (f: int) (k: int) (p: int) (same: bool) (tail: int) =
    // h >= 6 keeps every tail valid: a 3x3 valid conv and 2x2 pooling leave at least 2x2
    let c, h, f, k, p = 1 + abs c % 3, 6 + abs h % 7, 1 + abs f % 4, 1 + abs k % 3, 1 + abs p % 2
    let conv = if same then conv2dSame f k relu else conv2d f k relu
    let head = conv --> (if p = 1 then avgPool 1 else maxPool 2)
    let arch =
        match abs tail % 4 with
        | 0 -> head --> flatten --> dense 3 softmax
        | 1 -> head --> conv2dTranspose 2 3 2 sigmoid
        | 2 -> head --> dropout 0.3f --> flatten --> dense 4 relu --> reshape [| 1; 2; 2 |]
        | _ -> head --> activation tanh --> conv2dWith { convSpec 2 2 linear with Strides = (2, 2); UseBias = false }
    [| c; h; h |], arch

/// The property: the output shape init predicts is the shape apply produces, layer by layer.
let private outputShapeProperty (c: int) (h: int) (f: int) (k: int) (p: int) (same: bool) (tail: int) (n: int) =
    let input, arch = randomCase c h f k p same tail
    let model = Model.build (Rng.create (int64 c)) input arch
    let batch = 1 + abs n % 3
    let x = randomInput (Rng.create 5L) (Array.append [| batch |] input)
    let y, acts = Model.applyWithActivations model model.Params Nn.Train (Rng.create 9L) x
    y.Shape = Array.append [| batch |] model.OutputShape
    && List.forall2 (fun (l: BuiltLayer) (name, t: Tensor) -> name = l.Name && t.Shape = Array.append [| batch |] l.OutputShape) model.Layers acts

[<Tests>]
let tests =
    testList "Layer" [
        testCase "the issue's model reads like the notebooks and gets Keras default names" <| fun () ->
            let arch = conv2d 32 3 relu --> maxPool 2 --> conv2d 64 3 relu --> maxPool 2 --> flatten --> dense 64 relu --> dense 10
            let model = build Zoo.mnistInput arch
            let names = model.Layers |> List.map (fun l -> l.Name)
            Expect.equal names ([ "conv2d"; "max_pooling2d"; "conv2d_1"; "max_pooling2d_1"; "flatten"; "dense"; "dense_1" ]) "names"
            let paths = ParamTree.leaves model.Params |> List.map fst
            Expect.equal paths ([ "conv2d/kernel"; "conv2d/bias"; "conv2d_1/kernel"; "conv2d_1/bias"; "dense/kernel"; "dense/bias"; "dense_1/kernel"; "dense_1/bias" ]) "paths"
            Expect.equal ((Model.summary model).TotalParams) 121930 "(Model.summary model).TotalParams"
            Expect.equal model.OutputShape ([| 10 |]) "model.OutputShape"
            // the last dense got no activation
            Expect.equal (Layer.activation (List.last model.Layers).Spec) Linear "Layer.activation (List.last model.Layers).Spec"

        testCase "a ReLU convolution before max pooling pools first and gives the layer-by-layer bits, forward and gradients" <| fun () ->
            // apply pools before the ReLU (it commutes with max); applyWithActivations runs each layer as written
            for arch in [ Zoo.seedCnn
                          conv2d 4 3 relu --> maxPool 2 --> conv2d 3 3 relu --> maxPool 2 --> flatten --> dense 2 linear
                          conv2d 3 3 relu --> maxPool 3 --> flatten --> dense 2 linear ] do  // a 3x3 pool: the general backward
                let model = build Zoo.mnistInput arch
                let x = randomInput (Rng.create 3L) [| 5; 1; 28; 28 |] |> fun t -> Ops.addScalar -0.5f t
                let weights = Rng.uniform -1.0f 1.0f (5 * model.OutputShape.[0]) (Rng.create 4L) |> Tensor.ofArray [| 5; model.OutputShape.[0] |]
                let fused p = Model.apply model p Nn.Train (Rng.create 9L) x
                let layerByLayer p = Model.applyWithActivations model p Nn.Train (Rng.create 9L) x |> fst
                let bits (t: Tensor) = t.Data |> Array.map BitConverter.SingleToInt32Bits
                Expect.equal (bits (fused model.Params)) (bits (layerByLayer model.Params)) "forward"
                let loss f p = Ops.sum (Ops.mul (f p) weights)
                let _, gFused = Autodiff.valueAndGradParams (loss fused) model.Params
                let _, gLayers = Autodiff.valueAndGradParams (loss layerByLayer) model.Params
                for (path, a), (_, b) in List.zip (ParamTree.leaves gFused) (ParamTree.leaves gLayers) do
                    Expect.equal (bits a) (bits b) (sprintf "gradient of %s" path)

        testCase "serial is the same as the operator" <| fun () ->
            let a = conv2d 8 3 relu --> maxPool 2 --> flatten --> dense 4 softmax
            let b = serial [ conv2d 8 3 relu; maxPool 2; flatten; dense 4 softmax ]
            Expect.equal b a "b"

        testCase "user names are kept and default names skip them" <| fun () ->
            let arch = named "dense_1" (dense 4 relu) --> dense 3 relu --> dense 2 relu --> named "out" (dense 2 linear)
            let model = build [| 5 |] arch
            Expect.equal (model.Layers |> List.map (fun l -> l.Name)) ([ "dense_1"; "dense"; "dense_2"; "out" ]) "model.Layers |> List.map (fun l -> l.Name)"

        testCase "duplicate user names are rejected" <| fun () ->
            let ex = throws<InvalidValueException> (fun () -> build [| 5 |] (named "a" (dense 4 relu) --> named "a" (dense 2 linear)) |> ignore)
            Expect.stringContains ex.Message "'a'" "ex.Message"

        testCase "a model that does not fit its input fails when built, naming the layer and both shapes" <| fun () ->
            let arch = conv2d 8 5 relu --> conv2d 16 5 relu --> flatten --> dense 10
            let ex = throws<ShapeException> (fun () -> build [| 1; 8; 8 |] arch |> ignore)
            Expect.stringContains ex.Message "conv2d_1" "ex.Message"
            Expect.stringContains ex.Message "[8,4,4]" "ex.Message" // the layer's input
            Expect.stringContains ex.Message "[16,8,5,5]" "ex.Message" // the kernel it needs room for
            Expect.stringContains ex.Message "NCHW" "ex.Message"

        testCase "a dense layer on an image asks for a flatten" <| fun () ->
            let ex = throws<ShapeException> (fun () -> build [| 1; 6; 6 |] (conv2d 2 3 relu --> dense 10) |> ignore)
            Expect.stringContains ex.Message "'dense'" "ex.Message"
            Expect.stringContains ex.Message "[2,4,4]" "ex.Message"
            Expect.stringContains ex.Message "Flatten" "ex.Message"

        testCase "a reshape that does not match fails naming both shapes" <| fun () ->
            let ex = throws<ShapeException> (fun () -> build [| 10 |] (reshape [| 3; 3 |]) |> ignore)
            Expect.stringContains ex.Message "'reshape'" "ex.Message"
            Expect.stringContains ex.Message "[10]" "ex.Message"
            Expect.stringContains ex.Message "[3,3]" "ex.Message"

        testCase "an input batch of the wrong shape fails naming the shapes" <| fun () ->
            let model = build Zoo.mnistInput Zoo.seedCnn
            let ex = throws<ShapeException> (fun () -> Model.predictRaw model (Tensor.zeros [| 2; 28; 28; 1 |]) |> ignore)
            Expect.stringContains ex.Message "[N,1,28,28]" "ex.Message"
            Expect.stringContains ex.Message "[2,28,28,1]" "ex.Message"

        testCase "every zoo preset has the notebooks' parameter count" <| fun () ->
            // by hand: seed 320 + 18,496 + 102,464 + 650; 5x5: 208 + 3,216 + 32,896 + 1,290;
            // same: 160 + 4,640 + 18,496 + 36,928 + 36,928 + 650; dropout: 320 + 18,496 + 36,928 + 36,928 + 650;
            // fashion: 640 + 36,928 + 32,020 + 210; quickdraw: 832 + 9,248 + 18,496 + 295,424 + 176,985;
            // dense: 15,700 + 210; o-vs-x: 10 + 20 + 10; decoder: 203,840 + 36,928 + 18,464 + 289.
            Expect.equal Zoo.presets.Length expectedCounts.Length "Zoo.presets.Length"
            for name, expected in expectedCounts do
                let arch, input = Zoo.preset name
                let model = build input arch
                let s = Model.summary model
                Expect.isTrue ((expected = s.TotalParams)) (sprintf "%s: %d parameters, expected %d" name s.TotalParams expected)
                Expect.equal (s.Rows |> List.sumBy (fun r -> r.Count)) expected "s.Rows |> List.sumBy (fun r -> r.Count)"
                Expect.equal (ParamTree.count model.Params) expected "ParamTree.count model.Params"

        testCase "the summary table shows shapes, counts and totals" <| fun () ->
            let text = build Zoo.mnistInput Zoo.mnist5x5 |> Model.summary |> Model.summaryText
            Expect.stringContains text "Total params: 37,610" "text"
            Expect.stringContains text "Trainable params: 37,610" "text"
            Expect.stringContains text "conv2d (Conv2D)" "text"
            Expect.stringContains text "(None, 8, 24, 24)" "text"
            Expect.stringContains text "dropout (Dropout)" "text"
            Expect.stringContains text "32,896" "text"

        testCase "the decoder maps a 64-feature code to a 28x28 image" <| fun () ->
            let model = build [| 64 |] Zoo.decoder
            Expect.equal model.OutputShape ([| 1; 28; 28 |]) "model.OutputShape"
            let y = Model.predictRaw model (randomInput (Rng.create 3L) [| 2; 64 |])
            Expect.equal y.Shape ([| 2; 1; 28; 28 |]) "y.Shape"
            Expect.isTrue (y.ToArray() |> Array.forall (fun v -> v >= -1.0f && v <= 1.0f)) "y.ToArray() |> Array.forall (fun v -> v >= -1.0f && v <= 1.0f)"

        testCase "init draws Keras' Glorot-uniform kernels and zero biases, He on request" <| fun () ->
            let model = build [| 100 |] (dense 50 relu)
            let k = ParamTree.find "dense/kernel" model.Params |> Tensor.toArray
            let limit = sqrt (6.0f / 150.0f)
            Expect.isTrue (k |> Array.forall (fun v -> abs v <= limit)) "k |> Array.forall (fun v -> abs v <= limit)"
            Expect.isTrue (k |> Array.exists (fun v -> abs v > 0.9f * limit)) "k |> Array.exists (fun v -> abs v > 0.9f * limit)"
            Expect.isTrue (ParamTree.find "dense/bias" model.Params |> Tensor.toArray |> Array.forall ((=) 0.0f)) "ParamTree.find \"dense/bias\" model.Params |> Tensor.toArray |> Array.forall ((=) 0.0f)"
            let he = build [| 400 |] (denseWith { denseSpec 400 relu with DenseKernelInit = HeNormal }) |> fun m -> ParamTree.find "dense/kernel" m.Params |> Tensor.toArray
            let std = sqrt (he |> Array.averageBy (fun v -> v * v))
            inRange (0.9f * sqrt (2.0f / 400.0f)) (1.1f * sqrt (2.0f / 400.0f)) std
            Expect.isTrue (he |> Array.forall (fun v -> abs v <= 2.0f * sqrt (2.0f / 400.0f) / 0.8796f + 1e-6f)) "he |> Array.forall (fun v -> abs v <= 2.0f * sqrt (2.0f / 400.0f) / 0.8796f + 1e-6f)"

        testCase "the same generator gives the same parameters and another one different" <| fun () ->
            let a = Model.build (Rng.create 7L) Zoo.mnistInput Zoo.seedCnn
            let b = Model.build (Rng.create 7L) Zoo.mnistInput Zoo.seedCnn
            let c = Model.build (Rng.create 8L) Zoo.mnistInput Zoo.seedCnn
            let data m = ParamTree.leaves m.Params |> List.map (fun (_, t: Tensor) -> t.ToArray())
            Expect.equal (data b) (data a) "data b"
            Expect.notEqual (data c) (data a) "data c"

        testPropertyWithConfig { FsCheckConfig.defaultConfig with maxTest = 60 } "the output shape init predicts is the shape apply produces" outputShapeProperty

        testCase "named activations give every layer's feature maps for one input" <| fun () ->
            let model = build Zoo.mnistInput Zoo.seedCnn
            let acts = Model.activations model (randomInput (Rng.create 2L) [| 1; 28; 28 |])
            Expect.equal (acts |> List.map fst) ([ "conv1"; "pool1"; "conv2"; "pool2"; "flatten"; "dense1"; "dense2" ]) "acts |> List.map fst"
            Expect.equal ((snd acts.[0]).Shape) ([| 1; 32; 26; 26 |]) "(snd acts.[0]).Shape"
            Expect.equal ((snd acts.[3]).Shape) ([| 1; 64; 5; 5 |]) "(snd acts.[3]).Shape"

        testCase "the seed CNN preset computes the PyTorch reference logits" <| fun () ->
            let file = Path.Combine(sharedDir, "fixtures", "ops", "model_seed000_mnist_test_0_1.json")
            use doc = JsonDocument.Parse(File.ReadAllText file)
            let tensorOf (e: JsonElement) =
                Tensor.ofArray (e.GetProperty("shape").EnumerateArray() |> Seq.map (fun d -> d.GetInt32()) |> Array.ofSeq)
                               (e.GetProperty("data").EnumerateArray() |> Seq.map (fun d -> float32 (d.GetDouble())) |> Array.ofSeq)
            let root = doc.RootElement
            let p =
                root.GetProperty("params").EnumerateObject()
                |> Seq.map (fun e -> e.Name.Replace(".w", "/kernel").Replace(".b", "/bias"), tensorOf e.Value)
                |> List.ofSeq
            let template = build Zoo.mnistInput Zoo.seedCnn
            let model = { template with Params = ParamTree.withLeaves (ParamTree.leaves template.Params |> List.map (fun (path, _) -> p |> List.find (fst >> (=) path) |> snd)) template.Params }
            let logits = Model.predictRaw model (tensorOf (root.GetProperty("inputs").GetProperty "x"))
            FixtureTests.assertClose "logits" 1e-4f 1e-4f (tensorOf (root.GetProperty "logits")) logits

        testCase "truncating and extending keeps the kept layers' names and parameters" <| fun () ->
            let classifier = build Zoo.mnistInput Zoo.seedCnn
            let auto, trainable = Zoo.autoencoderFrom (Rng.create 4L) classifier
            Expect.equal auto.OutputShape ([| 1; 28; 28 |]) "auto.OutputShape"
            let names = auto.Layers |> List.map (fun l -> l.Name)
            Expect.equal names ([ "conv1"; "pool1"; "conv2"; "pool2"; "flatten"; "dense1"; "dense"; "reshape"; "conv2d_transpose"; "conv2d_transpose_1"; "conv2d_transpose_2" ]) "names"
            for path, t in ParamTree.leaves classifier.Params do
                if not (path.StartsWith "dense2") then Expect.isTrue (obj.ReferenceEquals(t, ParamTree.find path auto.Params)) "same object: ParamTree.find path auto.Params"
            Expect.isFalse (trainable "conv1/kernel") "trainable \"conv1/kernel\""
            Expect.isFalse (trainable "dense1/bias") "trainable \"dense1/bias\""
            Expect.isTrue (trainable "conv2d_transpose_2/kernel") "trainable \"conv2d_transpose_2/kernel\""
            let s = Model.summaryWith trainable auto
            Expect.equal s.TrainableParams 259521 "s.TrainableParams"
            Expect.equal s.NonTrainableParams (121930 - 650) "s.NonTrainableParams"
    ]
