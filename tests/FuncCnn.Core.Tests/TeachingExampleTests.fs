/// The worked example from the teaching slides, with values derived by hand.
module FuncCnn.Core.Tests.TeachingExampleTests

open Xunit
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

[<Fact>]
let ``valid 3x3 cross-correlation gives the hand-derived values`` () =
    let y = Nn.conv2d (1, 1) Nn.Valid input kernel None
    Assert.Equal<int[]>([| 1; 1; 3; 3 |], y.Shape)
    Assert.Equal<float32[]>(expectedConvolution, y.ToArray())

[<Fact>]
let ``ReLU clears the negative responses`` () =
    let y = Nn.conv2d (1, 1) Nn.Valid input kernel None |> Ops.relu
    Assert.Equal<float32[]>([| 0.f; 3.f; 1.f; 0.f; 1.f; 2.f; 2.f; 1.f; 0.f |], y.ToArray())

[<Fact>]
let ``2x2 max pooling keeps the strongest response of each window`` () =
    let relu = Nn.conv2d (1, 1) Nn.Valid input kernel None |> Ops.relu
    // stride 2, floor mode: one window over rows/cols 0-1 of [[0,3,1],[0,1,2],[2,1,0]] -> 3
    Assert.Equal<float32[]>([| 3.f |], (Nn.maxPool2d (2, 2) (2, 2) relu).ToArray())
    // stride 1: windows at (0,0) (0,1) (1,0) (1,1) -> 3 3 2 2
    Assert.Equal<float32[]>([| 3.f; 3.f; 2.f; 2.f |], (Nn.maxPool2d (2, 2) (1, 1) relu).ToArray())

[<Fact>]
let ``a kernel with the wrong channel count is rejected with both shapes named`` () =
    let x = Tensor.zeros [| 8; 3; 28; 28 |]
    let w = Tensor.zeros [| 32; 1; 3; 3 |]
    let e = Assert.Throws<ShapeException>(fun () -> Nn.conv2d (1, 1) Nn.Valid x w None |> ignore)
    Assert.Equal("conv2d: input [8,3,28,28] has 3 channels but the kernel [32,1,3,3] expects 1", e.Message)
