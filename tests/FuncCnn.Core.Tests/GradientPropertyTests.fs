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

/// float32's unit roundoff, 2^-24.
let private roundoff = 5.960464477539063e-8

/// The finite-difference step (and twice it): small enough that no generated value crosses a kink
/// (relu inputs stay 0.05 from 0, max inputs are 0.1 apart).
let private step = 1e-2f

/// Checks the gradient of L = sum(f(inputs) * weights) with respect to every input marked
/// differentiable, against central differences taken in float64: the weighted sum and the
/// difference quotients are double, only the op runs in float32. Random weights make every output
/// element count. The numeric gradient is the Richardson extrapolation (4 D(h) - D(2h)) / 3 of the
/// central differences D at steps h and 2h. An element passes when analytic and numeric agree
/// within
///   1e-4 of the gradient (float32 rounding in the analytic backward pass),
///   + 4 * 2^-24 * sum |weight| (1 + |output|) / h (float32 rounding of the outputs, over the step),
///   + |D(h) - D(2h)| (a bound on what truncation is left after extrapolation).
/// Measured on 1,000 cases per property: every element passes with a quarter of the rounding
/// term; a gradient 0.1% off, or 1e-4 where the true one is 0, fails (the old check let 2% pass).
let checkAll (f: Tensor[] -> Tensor) (inputs: Tensor[]) (differentiable: bool[]) =
    let out = f inputs
    let weights = values 12345 -1.0f 1.0f out.Shape
    let w = weights.ToArray() |> Array.map float
    let loss64 (xs: Tensor[]) = Array.fold2 (fun acc (o: float32) wj -> acc + float o * wj) 0.0 ((f xs).ToArray()) w
    let scale = Array.fold2 (fun acc (o: float32) wj -> acc + abs wj * (1.0 + abs (float o))) 0.0 (out.ToArray()) w
    inputs |> Array.iteri (fun i x ->
        if differentiable.[i] then
            let withInput (xi: Tensor) = inputs |> Array.mapi (fun j t -> if j = i then xi else t)
            let analytic = (Autodiff.grad (fun xi -> Ops.sum (Ops.mul (f (withInput xi)) weights)) x).ToArray()
            let data = x.ToArray()
            for k in 0 .. data.Length - 1 do
                let at (v: float32) = loss64 (withInput (Tensor.ofArray x.Shape (Array.updateAt k v data)))
                let central (h: float32) =
                    let up, down = data.[k] + h, data.[k] - h
                    (at up - at down) / (float up - float down)
                let coarse, fine = central (2.0f * step), central step
                let numeric = (4.0 * fine - coarse) / 3.0
                let tolerance = 1e-4 * abs numeric + 4.0 * roundoff * scale / float step + abs (fine - coarse)
                let error = abs (float analytic.[k] - numeric)
                if not (error <= tolerance) then
                    failwithf "input %d %A: element %d analytic %.9g vs numeric %.9g (error %.3g, tolerance %.3g)"
                        i x.Shape k analytic.[k] numeric error tolerance)

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

/// A pooling case: non-square windows of 1 to 3, strides 1 to 3, an input at least the window.
let poolCases = gen {
    let! kh = Gen.choose (1, 3)
    let! kw = Gen.choose (1, 3)
    let! sh = Gen.choose (1, 3)
    let! sw = Gen.choose (1, 3)
    let! n = Gen.choose (1, 2)
    let! c = Gen.choose (1, 3)
    let! h = Gen.choose (kh, kh + 5)
    let! w = Gen.choose (kw, kw + 5)
    let! seed = seeds
    return [| n; c; h; w |], (kh, kw), (sh, sw), seed }

/// A convolution the direct kernel takes: stride 1, at most 32 taps (C * KH * KW), output width >= 8.
let directConvCases = gen {
    let! n = Gen.choose (1, 2)
    let! c = Gen.choose (1, 3)
    let! k = Gen.choose (1, 3)
    let! kh = Gen.choose (1, 3)
    let! kw = Gen.choose (1, 3)
    let! pads = Gen.arrayOfLength 4 (Gen.choose (0, 1))
    let! h = Gen.choose (kh, 6)
    let! extra = Gen.choose (0, 4)
    let w = 8 + kw - 1 - pads.[2] - pads.[3] + extra
    let! seed = seeds
    return (n, c, h, w), (k, kh, kw), pads, seed }

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

        forAll "max and average pooling, square or not, windows 1 to 3, any stride" poolCases (fun (shape, kernel, stride, seed) ->
                check (fun xs -> Nn.maxPool2d kernel stride xs.[0]) [| distinct seed shape |]
                check (fun xs -> Nn.avgPool2d kernel stride xs.[0]) [| values seed -1.0f 1.0f shape |])

        forAll "conv2d on the direct kernel (stride 1, output width 8 or more), and fused + relu equals it bit for bit" directConvCases (fun ((n, c, h, w), (k, kh, kw), pads, seed) ->
                let x = values seed -1.0f 1.0f [| n; c; h; w |]
                let wt = values (seed + 1) -1.0f 1.0f [| k; c; kh; kw |]
                let b = values (seed + 2) -1.0f 1.0f [| k |]
                let p: Shape.Padding2d = { Top = pads.[0]; Bottom = pads.[1]; Left = pads.[2]; Right = pads.[3] }
                let geometry = Shape.conv2d [| n; c; h; w |] [| k; c; kh; kw |] (1, 1) p
                Expect.isTrue (Kernels.DirectConv.applies geometry) (sprintf "%A takes the direct kernel" geometry)
                check (fun xs -> Nn.conv2d (1, 1) (Nn.Explicit p) xs.[0] xs.[1] (Some xs.[2])) [| x; wt; b |]
                // the fused kernel (relu inside the direct kernel) is conv2d then relu, bit for bit
                let seedGrad = values (seed + 3) -1.0f 1.0f (Nn.conv2d (1, 1) (Nn.Explicit p) x wt (Some b)).Shape
                let fused, gf = Autodiff.vjpMany (fun xs -> Nn.conv2dRelu (1, 1) (Nn.Explicit p) xs.[0] xs.[1] (Some xs.[2])) [| x; wt; b |] seedGrad
                let plain, gp = Autodiff.vjpMany (fun xs -> Nn.conv2d (1, 1) (Nn.Explicit p) xs.[0] xs.[1] (Some xs.[2]) |> Ops.relu) [| x; wt; b |] seedGrad
                Expect.equal (fused.ToArray()) (plain.ToArray()) "fused forward"
                for i in 0 .. 2 do Expect.equal (gf.[i].ToArray()) (gp.[i].ToArray()) (sprintf "fused gradient of input %d" i))

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
