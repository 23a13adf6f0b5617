/// The worked example from the teaching slides, with values derived by hand.
module FuncCnn.Core.Tests.TeachingExampleTests

open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
let input =
    Tensor.ofArray [| 1; 1; 5; 5 |]
        [| 1.f; 2.f; 0.f; 1.f; 2.f
           0.f; 1.f; 3.f; 1.f; 0.f
           2.f; 2.f; 1.f; 0.f; 1.f
           1.f; 0.f; 2.f; 1.f; 3.f
           2.f; 1.f; 0.f; 1.f; 2.f |]

/// A vertical-edge kernel: +1 on the left column, -1 on the right.
let kernel = Tensor.ofArray [| 1; 1; 3; 3 |] [| 1.f; 0.f; -1.f; 1.f; 0.f; -1.f; 1.f; 0.f; -1.f |]

// Cross-correlation (the kernel is not flipped): out[i][j] = sum over the 3 rows r of
// x[i+r][j] - x[i+r][j+2]. E.g. out[0][0] = (1-0) + (0-3) + (2-1) = -1 and
// out[0][1] = (2-1) + (1-1) + (2-0) = 3. The slide printed numbers of a flipped kernel, not these.
let expectedConvolution = [| -1.f; 3.f; 1.f; -3.f; 1.f; 2.f; 2.f; 1.f; -3.f |]

[<Tests>]
let tests =
    testList "TeachingExample" [
        testCase "valid 3x3 cross-correlation gives the hand-derived values" <| fun () ->
            let y = Nn.conv2d (1, 1) Nn.Valid input kernel None
            Expect.equal y.Shape ([| 1; 1; 3; 3 |]) "y.Shape"
            Expect.equal (y.ToArray()) expectedConvolution "y.ToArray()"

        testCase "ReLU clears the negative responses" <| fun () ->
            let y = Nn.conv2d (1, 1) Nn.Valid input kernel None |> Ops.relu
            Expect.equal (y.ToArray()) ([| 0.f; 3.f; 1.f; 0.f; 1.f; 2.f; 2.f; 1.f; 0.f |]) "y.ToArray()"

        testCase "2x2 max pooling keeps the strongest response of each window" <| fun () ->
            let relu = Nn.conv2d (1, 1) Nn.Valid input kernel None |> Ops.relu
            // stride 2, floor mode: one window over rows/cols 0-1 of [[0,3,1],[0,1,2],[2,1,0]] -> 3
            Expect.equal ((Nn.maxPool2d (2, 2) (2, 2) relu).ToArray()) ([| 3.f |]) "(Nn.maxPool2d (2, 2) (2, 2) relu).ToArray()"
            // stride 1: windows at (0,0) (0,1) (1,0) (1,1) -> 3 3 2 2
            Expect.equal ((Nn.maxPool2d (2, 2) (1, 1) relu).ToArray()) ([| 3.f; 3.f; 2.f; 2.f |]) "(Nn.maxPool2d (2, 2) (1, 1) relu).ToArray()"

        testCase "a kernel with the wrong channel count is rejected with both shapes named" <| fun () ->
            let x = Tensor.zeros [| 8; 3; 28; 28 |]
            let w = Tensor.zeros [| 32; 1; 3; 3 |]
            let e = throws<ShapeException> (fun () -> Nn.conv2d (1, 1) Nn.Valid x w None |> ignore)
            Expect.equal e.Message "conv2d: input [8,3,28,28] has 3 channels but the kernel [32,1,3,3] expects 1" "e.Message"
    ]
