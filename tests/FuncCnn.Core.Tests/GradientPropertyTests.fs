/// FsCheck properties: for random shapes and values, every op's gradient matches central finite
/// differences, and broadcasting gradients come back in the input's shape.
module FuncCnn.Core.Tests.GradientPropertyTests

open Expecto
open FuncCnn.Core.Tests.TestUtil
open FsCheck
open FsCheck.FSharp
open FuncCnn
open FuncCnn.Core
/// Values drawn from the case's seed: uniform in [lo, hi).
let values (seed: int) (lo: float32) (hi: float32) (shape: int[]) =
    Tensor.ofArray shape (Rng.uniform lo hi (Shape.numel shape) (Rng.create (int64 seed)))

/// Distinct values at least 0.1 apart (so max-based ops have no ties within a finite-difference step).
let distinct (seed: int) (shape: int[]) =
    let n = Shape.numel shape
    let perm = Rng.permutation n (Rng.create (int64 seed))
    Tensor.ofArray shape (perm |> Array.map (fun i -> float32 i * 0.1f - float32 n * 0.05f))

/// Checks the gradient of sum(f(inputs) * weights) with respect to every input that is marked
/// differentiable, against central differences. Random weights make every output element count.
let checkAll (f: Tensor[] -> Tensor) (inputs: Tensor[]) (differentiable: bool[]) =
    let out = f inputs
    let weights = values 12345 -1.0f 1.0f out.Shape
    let loss (xs: Tensor[]) = Ops.sum (Ops.mul (f xs) weights)
    inputs |> Array.iteri (fun i x ->
        if differentiable.[i] then
            let fi (xi: Tensor) = loss (inputs |> Array.mapi (fun j t -> if j = i then xi else t))
            let r = Numerical.checkGradient 1e-2f 2e-2f 2e-2f fi x
            if not r.Passed then
                failwithf "input %d %A: element %d analytic %g vs numeric %g" i x.Shape r.WorstIndex
                    (r.Analytic.ToArray().[r.WorstIndex]) (r.Numeric.ToArray().[r.WorstIndex]))

let check (f: Tensor[] -> Tensor) (inputs: Tensor[]) = checkAll f inputs (Array.create inputs.Length true)

let genShape (maxRank: int) (maxDim: int) = gen {
    let! rank = Gen.choose (1, maxRank)
    return! Gen.arrayOfLength rank (Gen.choose (1, maxDim)) }

let seeds = Gen.choose (0, 1_000_000)

/// 25 cases per property (each checks several gradients by finite differences); Expecto.FsCheck
/// reports the failing case and the seed that replays it.
let config = { FsCheckConfig.defaultConfig with maxTest = 25 }

/// A named property over the cases g generates; body fails by raising.
let forAll (name: string) (g: Gen<'a>) (body: 'a -> unit) =
    testPropertyWithConfig config name (Prop.forAll (Arb.fromGen g) body)

let unaryCases = Gen.zip (genShape 3 4) seeds

/// Two shapes that broadcast: b is a with some dimensions set to 1 and maybe leading ones dropped.
let broadcastPairs = gen {
    let! a = genShape 4 3
    let! ones = Gen.arrayOfLength a.Length (Gen.elements [ true; false ])
    let! drop = Gen.choose (0, a.Length - 1)
    let b = Array.map2 (fun d one -> if one then 1 else d) a ones |> Array.skip drop
    let! swap = Gen.elements [ true; false ]
    let! seed = seeds
    return (if swap then (b, a) else (a, b)), seed }

let matmulCases = Gen.zip (Gen.arrayOfLength 3 (Gen.choose (1, 6))) seeds

/// A random convolution: batch, channels, size, kernel, stride and asymmetric padding.
let convCases = gen {
    let! n = Gen.choose (1, 2)
    let! c = Gen.choose (1, 3)
    let! k = Gen.choose (1, 3)
    let! kh = Gen.choose (1, 3)
    let! kw = Gen.choose (1, 3)
    let! sh = Gen.choose (1, 2)
    let! sw = Gen.choose (1, 2)
    let! pads = Gen.arrayOfLength 4 (Gen.choose (0, 2))
    let! h = Gen.choose (kh, 6)
    let! w = Gen.choose (kw, 6)
    let! seed = seeds
    return (n, c, h, w), (k, kh, kw), (sh, sw), pads, seed }

[<Tests>]
let tests =
    testList "GradientProperty" [
        forAll "elementwise unary ops" unaryCases (fun (shape, seed) ->
                let x = values seed -2.0f 2.0f shape
                let positive = values seed 0.5f 3.0f shape
                check (fun xs -> Ops.neg xs.[0]) [| x |]
                check (fun xs -> Ops.exp xs.[0]) [| x |]
                check (fun xs -> Ops.tanh xs.[0]) [| x |]
                check (fun xs -> Ops.sigmoid xs.[0]) [| x |]
                check (fun xs -> Ops.addScalar 1.5f xs.[0]) [| x |]
                check (fun xs -> Ops.mulScalar -0.7f xs.[0]) [| x |]
                check (fun xs -> Ops.log xs.[0]) [| positive |]
                check (fun xs -> Ops.sqrt xs.[0]) [| positive |]
                check (fun xs -> Ops.powScalar 2.5f xs.[0]) [| positive |]
                // relu away from its kink: every |value| >= 0.05
                let awayFromZero = Tensor.ofArray shape (x.ToArray() |> Array.map (fun v -> if abs v < 0.05f then v + 0.2f else v))
                check (fun xs -> Ops.relu xs.[0]) [| awayFromZero |])

        forAll "binary ops with broadcasting" broadcastPairs (fun ((sa, sb), seed) ->
                let a = values seed -2.0f 2.0f sa
                let b = values (seed + 1) -2.0f 2.0f sb
                let bAway = Tensor.ofArray sb (b.ToArray() |> Array.map (fun v -> if v >= 0.0f then v + 0.5f else v - 0.5f))
                check (fun xs -> Ops.add xs.[0] xs.[1]) [| a; b |]
                check (fun xs -> Ops.sub xs.[0] xs.[1]) [| a; b |]
                check (fun xs -> Ops.mul xs.[0] xs.[1]) [| a; b |]
                check (fun xs -> Ops.div xs.[0] xs.[1]) [| a; bAway |])

        forAll "broadcast gradients are summed back to each input's shape" broadcastPairs (fun ((sa, sb), seed) ->
                let a = values seed -1.0f 1.0f sa
                let b = values seed -1.0f 1.0f sb
                let _, grads = Autodiff.vjpMany (fun xs -> Ops.add xs.[0] xs.[1]) [| a; b |] (Tensor.ones (Shape.broadcast "add" sa sb))
                Expect.equal (grads.[0].Shape) sa "grads.[0].Shape"
                Expect.equal (grads.[1].Shape) sb "grads.[1].Shape"
                // with a seed of ones, each element's gradient counts how often it was repeated
                let outCount = Shape.numel (Shape.broadcast "add" sa sb)
                Seq.iter (fun g -> Expect.equal g (float32 (outCount / Shape.numel sb)) "g") (grads.[1].ToArray()))

        forAll "reductions and shape changes" unaryCases (fun (shape, seed) ->
                let x = values seed -2.0f 2.0f shape
                let axis = seed % shape.Length
                check (fun xs -> Ops.sum xs.[0]) [| x |]
                check (fun xs -> Ops.mean xs.[0]) [| x |]
                check (fun xs -> Ops.sumAxis axis false xs.[0]) [| x |]
                check (fun xs -> Ops.meanAxis -1 true xs.[0]) [| x |]
                check (fun xs -> Ops.maxAxis axis false xs.[0]) [| distinct seed shape |]
                check (fun xs -> Ops.reshape [| -1 |] xs.[0]) [| x |]
                check (fun xs -> Ops.flatten xs.[0]) [| x |]
                let perm = Array.rev (Array.init shape.Length id)
                check (fun xs -> Ops.permute perm xs.[0]) [| x |])

        forAll "matmul, linear and transpose" matmulCases (fun (dims, seed) ->
                let m, k, n = dims.[0], dims.[1], dims.[2]
                let a = values seed -1.0f 1.0f [| m; k |]
                let b = values (seed + 1) -1.0f 1.0f [| k; n |]
                let bias = values (seed + 2) -1.0f 1.0f [| n |]
                check (fun xs -> Ops.matmul xs.[0] xs.[1]) [| a; b |]
                check (fun xs -> Ops.linear xs.[0] xs.[1] (Some xs.[2])) [| a; b; bias |]
                check (fun xs -> Ops.transpose xs.[0]) [| a |])

        forAll "conv2d with stride and asymmetric padding" convCases (fun ((n, c, h, w), (k, kh, kw), stride, pads, seed) ->
                let x = values seed -1.0f 1.0f [| n; c; h; w |]
                let wt = values (seed + 1) -1.0f 1.0f [| k; c; kh; kw |]
                let b = values (seed + 2) -1.0f 1.0f [| k |]
                let pad = Nn.Explicit { Top = pads.[0]; Bottom = pads.[1]; Left = pads.[2]; Right = pads.[3] }
                check (fun xs -> Nn.conv2d stride pad xs.[0] xs.[1] (Some xs.[2])) [| x; wt; b |]
                check (fun xs -> Nn.conv2d stride Nn.Same xs.[0] xs.[1] None) [| x; wt |])

        forAll "conv_transpose2d with stride, padding and output padding" convCases (fun ((n, c, h, w), (k, kh, kw), (sh, sw), pads, seed) ->
                let x = values seed -1.0f 1.0f [| n; c; h; w |]
                let wt = values (seed + 1) -1.0f 1.0f [| c; k; kh; kw |]
                let b = values (seed + 2) -1.0f 1.0f [| k |]
                let ph, pw = min pads.[0] (kh - 1), min pads.[1] (kw - 1)
                let oph, opw = pads.[2] % sh, pads.[3] % sw
                check (fun xs -> Nn.convTranspose2d (sh, sw) (Nn.Torch((ph, pw), (oph, opw))) xs.[0] xs.[1] (Some xs.[2])) [| x; wt; b |]
                check (fun xs -> Nn.convTranspose2d (sh, sw) Nn.SameOutput xs.[0] xs.[1] None) [| x; wt |])

        forAll "pooling" (Gen.zip (Gen.arrayOfLength 4 (Gen.choose (1, 5))) seeds) (fun (d, seed) ->
                let shape = [| d.[0] % 2 + 1; d.[1] % 3 + 1; d.[2] + 1; d.[3] + 1 |]
                let k = min 2 (min shape.[2] shape.[3])
                check (fun xs -> Nn.maxPool2d (k, k) (k, k) xs.[0]) [| distinct seed shape |]
                check (fun xs -> Nn.avgPool2d (k, k) (1, 1) xs.[0]) [| values seed -1.0f 1.0f shape |])

        forAll "softmax family and losses" (Gen.zip (Gen.arrayOfLength 2 (Gen.choose (1, 5))) seeds) (fun (d, seed) ->
                let n, c = d.[0], d.[1] + 1
                let logits = values seed -3.0f 3.0f [| n; c |]
                let labels = Array.init n (fun i -> (seed + i) % c)
                let targets = Nn.softmax (values (seed + 1) -1.0f 1.0f [| n; c |])
                let p = values (seed + 2) 0.1f 0.9f [| n; c |]
                let t = values (seed + 3) 0.0f 1.0f [| n; c |]
                check (fun xs -> Nn.softmax xs.[0]) [| logits |]
                check (fun xs -> Nn.logSoftmax xs.[0]) [| logits |]
                check (fun xs -> Nn.crossEntropy xs.[0] labels) [| logits |]
                check (fun xs -> Nn.crossEntropyOneHot xs.[0] xs.[1]) [| logits; targets |]
                check (fun xs -> Nn.binaryCrossEntropy xs.[0] xs.[1]) [| p; t |]
                check (fun xs -> Nn.mse xs.[0] xs.[1]) [| p; t |])

        forAll "fused conv2d + relu equals conv2d then relu, bit for bit, values and gradients" convCases (fun ((n, c, h, w), (k, kh, kw), stride, pads, seed) ->
                let x = values seed -1.0f 1.0f [| n; c; h; w |]
                let wt = values (seed + 1) -1.0f 1.0f [| k; c; kh; kw |]
                let b = values (seed + 2) -1.0f 1.0f [| k |]
                let pad = Nn.Explicit { Top = pads.[0]; Bottom = pads.[1]; Left = pads.[2]; Right = pads.[3] }
                let seedGrad = values (seed + 3) -1.0f 1.0f (Nn.conv2d stride pad x wt (Some b)).Shape
                let fused, gf = Autodiff.vjpMany (fun xs -> Nn.conv2dRelu stride pad xs.[0] xs.[1] (Some xs.[2])) [| x; wt; b |] seedGrad
                let plain, gp = Autodiff.vjpMany (fun xs -> Nn.conv2d stride pad xs.[0] xs.[1] (Some xs.[2]) |> Ops.relu) [| x; wt; b |] seedGrad
                Expect.equal (fused.ToArray()) (plain.ToArray()) "fused.ToArray()"
                for i in 0 .. 2 do Expect.equal (gf.[i].ToArray()) (gp.[i].ToArray()) "gf.[i].ToArray()")
    ]
