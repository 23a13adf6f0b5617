/// The functional autodiff contract: fresh tapes, constants untracked, gradients for any input.
module FuncCnn.Core.Tests.AutodiffTests

open Xunit
open FuncCnn
open FuncCnn.Core
let t (shape: int[]) (v: float32[]) = Tensor.ofArray shape v

[<Fact>]
let ``constants carry no tape, so inference records nothing`` () =
    let y = Ops.relu (Ops.mul (t [| 2 |] [| 1.f; -2.f |]) (t [| 2 |] [| 3.f; 3.f |]))
    Assert.False(y.IsTracked)

[<Fact>]
let ``gradient of x squared summed is 2x`` () =
    let g = Autodiff.grad (fun x -> Ops.sum (Ops.mul x x)) (t [| 3 |] [| 1.f; -2.f; 0.5f |])
    Assert.Equal<float32[]>([| 2.f; -4.f; 1.f |], g.ToArray())

[<Fact>]
let ``a tensor used twice gets both contributions, and shared gradients are not corrupted`` () =
    // f(a) = sum((a + a) * a) = 2 sum(a^2) -> 4a ; the add passes one gradient array to both inputs
    let a = t [| 2 |] [| 1.f; 3.f |]
    let g = Autodiff.grad (fun a -> let s = Ops.add a a in Ops.sum (Ops.mul s a)) a
    Assert.Equal<float32[]>([| 4.f; 12.f |], g.ToArray())
    // y = x + c; z = y * y + y: dz/dx = 2y + 1
    let x = t [| 2 |] [| 1.f; 2.f |]
    let g2 = Autodiff.grad (fun x -> let y = Ops.addScalar 1.f x in Ops.sum (Ops.add (Ops.mul y y) y)) x
    Assert.Equal<float32[]>([| 5.f; 7.f |], g2.ToArray())

[<Fact>]
let ``grad needs a scalar output and says so`` () =
    let e = Assert.Throws<ShapeException>(fun () -> Autodiff.grad Ops.relu (t [| 2 |] [| 1.f; 2.f |]) |> ignore)
    Assert.Contains("must return a scalar", e.Message)
    Assert.Contains("[2]", e.Message)

[<Fact>]
let ``a tensor that escapes a grad call is a constant afterwards`` () =
    let mutable escaped: Tensor = null
    Autodiff.grad (fun x -> escaped <- Ops.mul x x; Ops.sum escaped) (t [| 1 |] [| 2.f |]) |> ignore
    let later = Ops.addScalar 1.f escaped
    Assert.False(later.IsTracked)
    // and using it inside a new grad call treats it as a constant
    let g = Autodiff.grad (fun y -> Ops.sum (Ops.mul y escaped)) (t [| 1 |] [| 5.f |])
    Assert.Equal<float32[]>([| 4.f |], g.ToArray())

[<Fact>]
let ``the returned value is detached`` () =
    let v, _ = Autodiff.valueAndGrad (fun x -> Ops.sum x) (t [| 2 |] [| 1.f; 2.f |])
    Assert.False(v.IsTracked)
    Assert.Equal(3.f, v.ToScalar())

[<Fact>]
let ``nested differentiation is refused with a clear error`` () =
    let e =
        Assert.Throws<InvalidValueException>(fun () ->
            Autodiff.grad (fun x -> Autodiff.grad (fun y -> Ops.sum (Ops.mul x y)) x |> Ops.sum) (t [| 1 |] [| 1.f |]) |> ignore)
    Assert.Contains("nested", e.Message)

[<Fact>]
let ``gradients with respect to parameters and input together`` () =
    let p = ParamTree.ofList [ "layer/w", t [| 2; 1 |] [| 2.f; -1.f |]; "layer/b", t [| 1 |] [| 0.5f |] ]
    let x = t [| 1; 2 |] [| 3.f; 4.f |]
    let f (p: ParamTree) x = Ops.linear x (ParamTree.find "layer/w" p) (Some(ParamTree.find "layer/b" p)) |> Ops.sum
    let v, gp, gx = Autodiff.valueAndGradBoth f p x
    Assert.Equal(2.5f, v.ToScalar())
    Assert.Equal<float32[]>([| 3.f; 4.f |], (ParamTree.find "layer/w" gp).ToArray())
    Assert.Equal<float32[]>([| 1.f |], (ParamTree.find "layer/b" gp).ToArray())
    Assert.Equal<float32[]>([| 2.f; -1.f |], gx.ToArray())
    Assert.Equal<string list>([ "layer/w"; "layer/b" ], ParamTree.leaves gp |> List.map fst)

[<Fact>]
let ``a function that ignores its input has a zero gradient`` () =
    let g = Autodiff.grad (fun _ -> Tensor.scalar 3.f) (t [| 2 |] [| 1.f; 2.f |])
    Assert.Equal<float32[]>([| 0.f; 0.f |], g.ToArray())

[<Fact>]
let ``the same seed gives the same numbers and split keys differ`` () =
    let r = Rng.create 42L
    Assert.Equal<float32[]>(Rng.uniform 0.f 1.f 5 r, Rng.uniform 0.f 1.f 5 (Rng.create 42L))
    let a, b = Rng.split r
    Assert.NotEqual<float32[]>(Rng.uniform 0.f 1.f 5 a, Rng.uniform 0.f 1.f 5 b)
    // pinned values: the generator is integer-only, so these hold on every machine
    Assert.Equal<int[]>([| 3; 0; 2; 4; 1 |] |> Array.sort, Rng.permutation 5 r |> Array.sort)
    let u = Rng.uniform 0.f 1.f 1000 r
    Assert.InRange(Array.average u, 0.45f, 0.55f)
    Assert.All(u, fun v -> Assert.InRange(v, 0.f, 0.99999994f))

[<Fact>]
let ``dropout is inverted in training and the identity in evaluation`` () =
    let x = Tensor.ones [| 10000 |]
    let r = Rng.create 7L
    Assert.Same(x, Nn.dropout 0.5f Nn.Eval r x)
    let y = (Nn.dropout 0.5f Nn.Train r x).ToArray()
    Assert.All(y, fun v -> Assert.True((v = 0.f || v = 2.f)))
    Assert.InRange(Array.average y, 0.95f, 1.05f)
    Assert.Equal<float32[]>(y, (Nn.dropout 0.5f Nn.Train r x).ToArray())
    Assert.Throws<InvalidValueException>(fun () -> Nn.dropout 1.f Nn.Train r x |> ignore) |> ignore

[<Fact>]
let ``shape errors name the op and the shapes`` () =
    let e = Assert.Throws<ShapeException>(fun () -> Ops.matmul (Tensor.zeros [| 2; 3 |]) (Tensor.zeros [| 4; 5 |]) |> ignore)
    Assert.Contains("matmul", e.Message)
    Assert.Contains("[2,3]", e.Message)
    Assert.Contains("[4,5]", e.Message)
    let e2 = Assert.Throws<ShapeException>(fun () -> Ops.add (Tensor.zeros [| 2; 3 |]) (Tensor.zeros [| 4 |]) |> ignore)
    Assert.Contains("cannot be broadcast", e2.Message)
    let e3 = Assert.Throws<InvalidValueException>(fun () -> Nn.crossEntropy (Tensor.zeros [| 2; 3 |]) [| 0; 3 |] |> ignore)
    Assert.Contains("label 3", e3.Message)

[<Fact>]
let ``keras same padding gives ceil(input / stride)`` () =
    for size in 5 .. 9 do
        for stride in 1 .. 3 do
            let y = Nn.conv2d (stride, stride) Nn.Same (Tensor.zeros [| 1; 1; size; size |]) (Tensor.zeros [| 1; 1; 3; 3 |]) None
            Assert.Equal((size + stride - 1) / stride, y.Shape.[2])
    let up = Nn.convTranspose2d (2, 2) Nn.SameOutput (Tensor.zeros [| 1; 4; 7; 7 |]) (Tensor.zeros [| 4; 2; 3; 3 |]) None
    Assert.Equal<int[]>([| 1; 2; 14; 14 |], up.Shape)
    // every kernel/stride pair, including those PyTorch's (padding, output_padding) cannot express
    for k in 1 .. 5 do
        for s in 1 .. 3 do
            let y = Nn.convTranspose2d (s, s) Nn.SameOutput (Tensor.zeros [| 1; 1; 5; 4 |]) (Tensor.zeros [| 1; 1; k; k |]) None
            Assert.Equal<int[]>([| 1; 1; 5 * s; 4 * s |], y.Shape)

[<Fact>]
let ``keras same for a 3x3 stride-2 transposed convolution is padding 1, output padding 1`` () =
    let x = GradientPropertyTests.values 1 -1.f 1.f [| 2; 3; 4; 4 |]
    let w = GradientPropertyTests.values 2 -1.f 1.f [| 3; 2; 3; 3 |]
    let same = Nn.convTranspose2d (2, 2) Nn.SameOutput x w None
    let torch = Nn.convTranspose2d (2, 2) (Nn.Torch((1, 1), (1, 1))) x w None
    Assert.Equal<float32[]>(torch.ToArray(), same.ToArray())

[<Fact>]
let ``finite differences agree with a known derivative`` () =
    let g = Numerical.gradient 1e-3f (fun x -> Ops.sum (Ops.mul x (Ops.mul x x))) (t [| 2 |] [| 1.f; -2.f |])
    Assert.InRange(g.ToArray().[0], 2.99f, 3.01f)
    Assert.InRange(g.ToArray().[1], 11.98f, 12.02f)
