/// Runs every reference fixture in ../shared/fixtures/ops (or $FUNCCNN_FIXTURES): one test case per
/// file, named after it. A fixture whose op the engine does not know fails.
module FuncCnn.Core.Tests.FixtureTests

open System
open System.IO
open System.Text.Json
open Expecto
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Tests.TestUtil

let fixtureDir =
    match Environment.GetEnvironmentVariable "FUNCCNN_FIXTURES" with
    | null | "" -> Path.Combine(sharedDir, "fixtures", "ops")
    | dir -> dir

/// The fixture files, sorted by name (none when the folder is missing: a test below says so).
let fixtureFiles () =
    if Directory.Exists fixtureDir then Directory.GetFiles(fixtureDir, "*.json") |> Array.sort else [||]

// ---- reading the JSON conventions of ../shared/fixtures/README.md

let private tensorOf (e: JsonElement) =
    let shape = e.GetProperty("shape").EnumerateArray() |> Seq.map (fun d -> d.GetInt32()) |> Array.ofSeq
    let data = e.GetProperty("data").EnumerateArray() |> Seq.map (fun d -> float32 (d.GetDouble())) |> Array.ofSeq
    Tensor.ofArray shape data

let private intsOf (e: JsonElement) =
    e.GetProperty("data").EnumerateArray() |> Seq.map (fun d -> int (d.GetDouble())) |> Array.ofSeq

let private namedTensors (e: JsonElement) =
    e.EnumerateObject() |> Seq.map (fun p -> p.Name, tensorOf p.Value) |> List.ofSeq

let private intPair (attrs: JsonElement) (name: string) =
    let a = attrs.GetProperty(name).EnumerateArray() |> Seq.map (fun d -> d.GetInt32()) |> Array.ofSeq
    a.[0], a.[1]

let private attrFloat (attrs: JsonElement) (name: string) = float32 (attrs.GetProperty(name).GetDouble())

/// |actual - expected| <= atol + rtol * |expected| everywhere, with a message naming the worst element.
let assertClose (what: string) (rtol: float32) (atol: float32) (expected: Tensor) (actual: Tensor) =
    Expect.isTrue ((expected.Shape = actual.Shape)) (sprintf "%s: shape %A, expected %A" what actual.Shape expected.Shape)
    let e, a = expected.ToArray(), actual.ToArray()
    for i in 0 .. e.Length - 1 do
        let tol = atol + rtol * abs e.[i]
        if not (abs (a.[i] - e.[i]) <= tol) then
            failtest (sprintf "%s: element %d is %g, expected %g (tolerance %g)" what i a.[i] e.[i] tol)

// ---- the ops, by fixture name

/// The function a fixture's `op` names, over its inputs in file order.
let private opFunction (op: string) (attrs: JsonElement) (intInputs: Map<string, int[]>) (names: string list) : (Tensor[] -> Tensor) =
    let arg (xs: Tensor[]) name = xs.[List.findIndex ((=) name) names]
    let optArg (xs: Tensor[]) name = if List.contains name names then Some(arg xs name) else None
    match op with
    | "exp" -> fun xs -> Ops.exp xs.[0]
    | "log" -> fun xs -> Ops.log xs.[0]
    | "relu" -> fun xs -> Ops.relu xs.[0]
    | "sigmoid" -> fun xs -> Ops.sigmoid xs.[0]
    | "tanh" -> fun xs -> Ops.tanh xs.[0]
    | "sum" -> fun xs -> Ops.sum xs.[0]
    | "mean" -> fun xs -> Ops.mean xs.[0]
    | "matmul" -> fun xs -> Ops.matmul (arg xs "a") (arg xs "b")
    | "linear" -> fun xs -> Ops.linear (arg xs "x") (arg xs "w") (optArg xs "b")
    | "softmax" -> fun xs -> Nn.softmax xs.[0]
    | "log_softmax" -> fun xs -> Nn.logSoftmax xs.[0]
    | "conv2d" ->
        let p = attrs.GetProperty("padding").EnumerateArray() |> Seq.map (fun d -> d.GetInt32()) |> Array.ofSeq
        let pad = Nn.Explicit { Top = p.[0]; Bottom = p.[1]; Left = p.[2]; Right = p.[3] }
        fun xs -> Nn.conv2d (intPair attrs "stride") pad (arg xs "x") (arg xs "w") (optArg xs "b")
    | "conv_transpose2d" ->
        let pad = Nn.Torch(intPair attrs "padding", intPair attrs "output_padding")
        fun xs -> Nn.convTranspose2d (intPair attrs "stride") pad (arg xs "x") (arg xs "w") (optArg xs "b")
    | "max_pool2d" -> fun xs -> Nn.maxPool2d (intPair attrs "kernel") (intPair attrs "stride") xs.[0]
    | "avg_pool2d" -> fun xs -> Nn.avgPool2d (intPair attrs "kernel") (intPair attrs "stride") xs.[0]
    | "cross_entropy" -> fun xs -> Nn.crossEntropy (arg xs "logits") intInputs.["labels"]
    | "binary_cross_entropy" -> fun xs -> Nn.binaryCrossEntropy (arg xs "p") (arg xs "target")
    | "mse" -> fun xs -> Nn.mse (arg xs "a") (arg xs "b")
    | other -> failwithf "unknown op '%s': the engine has no rule for this fixture" other

/// Forward value and vector-Jacobian products against `output` and `grads`.
let private runOpFixture (root: JsonElement) rtol atol =
    let op = root.GetProperty("op").GetString()
    let inputs = namedTensors (root.GetProperty "inputs")
    let intInputs =
        match root.TryGetProperty "int_inputs" with
        | true, e -> e.EnumerateObject() |> Seq.map (fun p -> p.Name, intsOf p.Value) |> Map.ofSeq
        | _ -> Map.empty
    let f = opFunction op (root.GetProperty "attrs") intInputs (List.map fst inputs)
    let output, grads = Autodiff.vjpMany f (inputs |> List.map snd |> Array.ofList) (tensorOf (root.GetProperty "seed_grad"))
    assertClose "output" rtol atol (tensorOf (root.GetProperty "output")) output
    for p in root.GetProperty("grads").EnumerateObject() do
        let i = inputs |> List.findIndex (fun (n, _) -> n = p.Name)
        assertClose ("grad " + p.Name) rtol atol (tensorOf p.Value) grads.[i]

/// Optimizer steps: params after each step.
let private runOptimizerFixture (root: JsonElement) rtol atol =
    let attrs = root.GetProperty "attrs"
    let lr = attrFloat attrs "lr"
    let optimizer =
        match root.GetProperty("op").GetString() with
        | "adam" -> Optim.Adam(attrFloat attrs "beta1", attrFloat attrs "beta2", attrFloat attrs "eps")
        | "sgd" -> Optim.Sgd(attrFloat attrs "momentum")
        | other -> failwithf "unknown optimizer '%s'" other
    let start = ParamTree.ofList [ "p", tensorOf (root.GetProperty "params") ]
    let grads = root.GetProperty("grads_per_step").EnumerateArray() |> Seq.map tensorOf |> List.ofSeq
    let expected = root.GetProperty("params_after_step").EnumerateArray() |> Seq.map tensorOf |> List.ofSeq
    let mutable p = start
    let mutable state = Optim.init optimizer start
    List.zip grads expected |> List.iteri (fun i (g, e) ->
        let p', s' = Optim.update optimizer lr state p (ParamTree.ofList [ "p", g ])
        p <- p'
        state <- s'
        assertClose (sprintf "params after step %d" (i + 1)) rtol atol e (ParamTree.find "p" p))

/// The seed CNN of the notebooks, written with the raw ops.
let seedCnnLogits (p: ParamTree) (x: Tensor) =
    let get name = ParamTree.find name p
    let conv w b x = Nn.conv2d (1, 1) Nn.Valid x (get w) (Some(get b))
    x
    |> fun x -> conv "conv1.w" "conv1.b" x |> Ops.relu |> Nn.maxPool2d (2, 2) (2, 2)
    |> fun x -> conv "conv2.w" "conv2.b" x |> Ops.relu |> Nn.maxPool2d (2, 2) (2, 2)
    |> Ops.flatten
    |> fun x -> Ops.linear x (get "dense1.w") (Some(get "dense1.b")) |> Ops.relu
    |> fun x -> Ops.linear x (get "dense2.w") (Some(get "dense2.b"))

let private runModelFixture (root: JsonElement) rtol atol =
    let x = tensorOf (root.GetProperty("inputs").GetProperty "x")
    let labels = intsOf (root.GetProperty("int_inputs").GetProperty "labels")
    let p = ParamTree.ofList (namedTensors (root.GetProperty "params"))
    assertClose "logits" rtol atol (tensorOf (root.GetProperty "logits")) (seedCnnLogits p x)
    let loss, grads = Autodiff.valueAndGradParams (fun p -> Nn.crossEntropy (seedCnnLogits p x) labels) p
    let expectedLoss = float32 (root.GetProperty("loss").GetDouble())
    Expect.isTrue (abs (loss.ToScalar() - expectedLoss) <= atol + rtol * abs expectedLoss) (sprintf "loss %g, expected %g" (loss.ToScalar()) expectedLoss)
    for g in root.GetProperty("grads").EnumerateObject() do
        assertClose ("grad " + g.Name) rtol atol (tensorOf g.Value) (ParamTree.find g.Name grads)

/// Runs one fixture file: an optimizer's steps, the seed CNN, or one op's value and gradients.
let runFixture (file: string) =
    use doc = JsonDocument.Parse(File.ReadAllText file)
    let root = doc.RootElement
    let rtol = float32 (root.GetProperty("rtol").GetDouble())
    let atol = float32 (root.GetProperty("atol").GetDouble())
    match root.GetProperty("op").GetString() with
    | "adam" | "sgd" -> runOptimizerFixture root rtol atol
    | "model_seed000" -> runModelFixture root rtol atol
    | _ -> runOpFixture root rtol atol

[<Tests>]
let tests =
    testList "Fixture" [
        testCase "the fixture folder exists and holds fixtures" <| fun () ->
            Expect.isTrue (Directory.Exists fixtureDir) (sprintf "fixture folder %s is missing" fixtureDir)
            Expect.isNonEmpty (fixtureFiles ()) (sprintf "fixture folder %s holds no *.json" fixtureDir)
        testList "file" [
            for file in fixtureFiles () ->
                testCase (Path.GetFileName file) <| fun () -> runFixture file
        ]
    ]
