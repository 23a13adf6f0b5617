/// The functional autodiff contract: fresh tapes, constants untracked, gradients for any input.
module FuncCnn.Core.Tests.AutodiffTests

open System
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
let t (shape: int[]) (v: float32[]) = Tensor.ofArray shape v

[<Tests>]
let tests =
    testList "Autodiff" [
        testCase "constants carry no tape, so inference records nothing" <| fun () ->
            let y = Ops.relu (Ops.mul (t [| 2 |] [| 1.f; -2.f |]) (t [| 2 |] [| 3.f; 3.f |]))
            Expect.isFalse y.IsTracked "y.IsTracked"

        testCase "gradient of x squared summed is 2x" <| fun () ->
            let g = Autodiff.grad (fun x -> Ops.sum (Ops.mul x x)) (t [| 3 |] [| 1.f; -2.f; 0.5f |])
            Expect.equal (g.ToArray()) ([| 2.f; -4.f; 1.f |]) "g.ToArray()"

        testCase "a tensor used twice gets both contributions, and shared gradients are not corrupted" <| fun () ->
            // f(a) = sum((a + a) * a) = 2 sum(a^2) -> 4a ; the add passes one gradient array to both inputs
            let a = t [| 2 |] [| 1.f; 3.f |]
            let g = Autodiff.grad (fun a -> let s = Ops.add a a in Ops.sum (Ops.mul s a)) a
            Expect.equal (g.ToArray()) ([| 4.f; 12.f |]) "g.ToArray()"
            // y = x + c; z = y * y + y: dz/dx = 2y + 1
            let x = t [| 2 |] [| 1.f; 2.f |]
            let g2 = Autodiff.grad (fun x -> let y = Ops.addScalar 1.f x in Ops.sum (Ops.add (Ops.mul y y) y)) x
            Expect.equal (g2.ToArray()) ([| 5.f; 7.f |]) "g2.ToArray()"

        testCase "grad needs a scalar output and says so" <| fun () ->
            let e = throws<ShapeException> (fun () -> Autodiff.grad Ops.relu (t [| 2 |] [| 1.f; 2.f |]) |> ignore)
            Expect.stringContains e.Message "must return a scalar" "e.Message"
            Expect.stringContains e.Message "[2]" "e.Message"

        testCase "a tensor that escapes a grad call is a constant afterwards" <| fun () ->
            let mutable escaped: Tensor = null
            Autodiff.grad (fun x -> escaped <- Ops.mul x x; Ops.sum escaped) (t [| 1 |] [| 2.f |]) |> ignore
            let later = Ops.addScalar 1.f escaped
            Expect.isFalse later.IsTracked "later.IsTracked"
            // and using it inside a new grad call treats it as a constant
            let g = Autodiff.grad (fun y -> Ops.sum (Ops.mul y escaped)) (t [| 1 |] [| 5.f |])
            Expect.equal (g.ToArray()) ([| 4.f |]) "g.ToArray()"

        testCase "the returned value is detached" <| fun () ->
            let v, _ = Autodiff.valueAndGrad (fun x -> Ops.sum x) (t [| 2 |] [| 1.f; 2.f |])
            Expect.isFalse v.IsTracked "v.IsTracked"
            Expect.equal (v.ToScalar()) 3.f "v.ToScalar()"

        testCase "nested differentiation is refused with a clear error" <| fun () ->
            let e =
                throws<InvalidValueException> (fun () ->
                    Autodiff.grad (fun x -> Autodiff.grad (fun y -> Ops.sum (Ops.mul x y)) x |> Ops.sum) (t [| 1 |] [| 1.f |]) |> ignore)
            Expect.stringContains e.Message "nested" "e.Message"

        testCase "gradients with respect to parameters and input together" <| fun () ->
            let p = ParamTree.ofList [ "layer/w", t [| 2; 1 |] [| 2.f; -1.f |]; "layer/b", t [| 1 |] [| 0.5f |] ]
            let x = t [| 1; 2 |] [| 3.f; 4.f |]
            let f (p: ParamTree) x = Ops.linear x (ParamTree.find "layer/w" p) (Some(ParamTree.find "layer/b" p)) |> Ops.sum
            let v, gp, gx = Autodiff.valueAndGradBoth f p x
            Expect.equal (v.ToScalar()) 2.5f "v.ToScalar()"
            Expect.equal ((ParamTree.find "layer/w" gp).ToArray()) ([| 3.f; 4.f |]) "(ParamTree.find \"layer/w\" gp).ToArray()"
            Expect.equal ((ParamTree.find "layer/b" gp).ToArray()) ([| 1.f |]) "(ParamTree.find \"layer/b\" gp).ToArray()"
            Expect.equal (gx.ToArray()) ([| 2.f; -1.f |]) "gx.ToArray()"
            Expect.equal (ParamTree.leaves gp |> List.map fst) ([ "layer/w"; "layer/b" ]) "ParamTree.leaves gp |> List.map fst"

        testCase "a function that ignores its input has a zero gradient" <| fun () ->
            let g = Autodiff.grad (fun _ -> Tensor.scalar 3.f) (t [| 2 |] [| 1.f; 2.f |])
            Expect.equal (g.ToArray()) ([| 0.f; 0.f |]) "g.ToArray()"

        testCase "the same seed gives the same numbers and split keys differ" <| fun () ->
            let r = Rng.create 42L
            Expect.equal (Rng.uniform 0.f 1.f 5 (Rng.create 42L)) (Rng.uniform 0.f 1.f 5 r) "Rng.uniform 0.f 1.f 5 (Rng.create 42L)"
            let a, b = Rng.split r
            Expect.notEqual (Rng.uniform 0.f 1.f 5 b) (Rng.uniform 0.f 1.f 5 a) "Rng.uniform 0.f 1.f 5 b"
            // pinned values, in order: the generator is integer-only, so these hold on every machine
            // (a changed stream, key derivation or shuffle changes them)
            Expect.equal (Rng.permutation 5 r) [| 2; 0; 4; 3; 1 |] "the permutation of 5 under key 42"
            Expect.equal (Rng.permutation 10 r) [| 1; 7; 2; 5; 6; 4; 0; 9; 8; 3 |] "the permutation of 10 under key 42"
            Expect.equal (Rng.uniform 0.f 1.f 3 r |> Array.map BitConverter.SingleToInt32Bits) [| 1051706356; 1064610769; 1056506574 |]
                "the first three uniforms under key 42 (0.34329188, 0.95574671, 0.48634952), bit for bit"
            let u = Rng.uniform 0.f 1.f 1000 r
            inRange 0.45f 0.55f (Array.average u)
            Seq.iter (fun v -> inRange 0.f 0.99999994f v) u

        testCase "dropout is inverted in training and the identity in evaluation" <| fun () ->
            let x = Tensor.ones [| 10000 |]
            let r = Rng.create 7L
            Expect.isTrue (obj.ReferenceEquals(x, Nn.dropout 0.5f Nn.Eval r x)) "same object: Nn.dropout 0.5f Nn.Eval r x"
            let y = (Nn.dropout 0.5f Nn.Train r x).ToArray()
            Seq.iter (fun v -> Expect.isTrue ((v = 0.f || v = 2.f)) "(v = 0.f || v = 2.f)") y
            inRange 0.95f 1.05f (Array.average y)
            Expect.equal ((Nn.dropout 0.5f Nn.Train r x).ToArray()) y "(Nn.dropout 0.5f Nn.Train r x).ToArray()"
            throws<InvalidValueException> (fun () -> Nn.dropout 1.f Nn.Train r x |> ignore) |> ignore

        testCase "shape errors name the op and the shapes" <| fun () ->
            let e = throws<ShapeException> (fun () -> Ops.matmul (Tensor.zeros [| 2; 3 |]) (Tensor.zeros [| 4; 5 |]) |> ignore)
            Expect.stringContains e.Message "matmul" "e.Message"
            Expect.stringContains e.Message "[2,3]" "e.Message"
            Expect.stringContains e.Message "[4,5]" "e.Message"
            let e2 = throws<ShapeException> (fun () -> Ops.add (Tensor.zeros [| 2; 3 |]) (Tensor.zeros [| 4 |]) |> ignore)
            Expect.stringContains e2.Message "cannot be broadcast" "e2.Message"
            let e3 = throws<InvalidValueException> (fun () -> Nn.crossEntropy (Tensor.zeros [| 2; 3 |]) [| 0; 3 |] |> ignore)
            Expect.stringContains e3.Message "label 3" "e3.Message"

        testCase "keras same padding gives ceil(input over stride)" <| fun () ->
            for size in 5 .. 9 do
                for stride in 1 .. 3 do
                    let y = Nn.conv2d (stride, stride) Nn.Same (Tensor.zeros [| 1; 1; size; size |]) (Tensor.zeros [| 1; 1; 3; 3 |]) None
                    Expect.equal (y.Shape.[2]) ((size + stride - 1) / stride) "y.Shape.[2]"
            let up = Nn.convTranspose2d (2, 2) Nn.SameOutput (Tensor.zeros [| 1; 4; 7; 7 |]) (Tensor.zeros [| 4; 2; 3; 3 |]) None
            Expect.equal up.Shape ([| 1; 2; 14; 14 |]) "up.Shape"
            // every kernel/stride pair, including those PyTorch's (padding, output_padding) cannot express
            for k in 1 .. 5 do
                for s in 1 .. 3 do
                    let y = Nn.convTranspose2d (s, s) Nn.SameOutput (Tensor.zeros [| 1; 1; 5; 4 |]) (Tensor.zeros [| 1; 1; k; k |]) None
                    Expect.equal y.Shape ([| 1; 1; 5 * s; 4 * s |]) "y.Shape"

        testCase "keras same for a 3x3 stride-2 transposed convolution is padding 1, output padding 1" <| fun () ->
            let x = GradientPropertyTests.values 1 -1.f 1.f [| 2; 3; 4; 4 |]
            let w = GradientPropertyTests.values 2 -1.f 1.f [| 3; 2; 3; 3 |]
            let same = Nn.convTranspose2d (2, 2) Nn.SameOutput x w None
            let torch = Nn.convTranspose2d (2, 2) (Nn.Torch((1, 1), (1, 1))) x w None
            Expect.equal (same.ToArray()) (torch.ToArray()) "same.ToArray()"

        testCase "finite differences agree with a known derivative" <| fun () ->
            let g = Numerical.gradient 1e-3f (fun x -> Ops.sum (Ops.mul x (Ops.mul x x))) (t [| 2 |] [| 1.f; -2.f |])
            inRange 2.99f 3.01f (g.ToArray().[0])
            inRange 11.98f 12.02f (g.ToArray().[1])
    ]
