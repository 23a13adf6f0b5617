/// The fused convolution + max pooling kernels (ConvPool) against the routes they replace, bit for
/// bit, on every path and thread count: the forward pass pooled image by image against the whole
/// convolution output pooled; the first layer's weight and bias gradients straight from the pooled
/// gradient against the pooling's backward with plane sums, the GEMM weight gradient and the bias
/// fold; and the refusal of a hostile argmax.
module FuncCnn.Core.Tests.ConvPoolTests

open System
open Expecto
open FuncCnn.Core
open FuncCnn.Core.Tests.TestUtil
open FuncCnn.Core.Shape
open FuncCnn.Core.Kernels

let private withSettings (path: Setup.SimdPath) (threads: int) (f: unit -> 'a) =
    Setup.withSettings { Path = path; Threads = threads } f

let private assertBitwise (what: string) (expected: float32[]) (actual: float32[]) =
    Expect.equal actual.Length expected.Length (what + ": length")
    for i in 0 .. expected.Length - 1 do
        if BitConverter.SingleToInt32Bits expected.[i] <> BitConverter.SingleToInt32Bits actual.[i] then
            failwithf "%s: element %d differs: %g (0x%08x) vs %g (0x%08x)" what i expected.[i] (BitConverter.SingleToInt32Bits expected.[i]) actual.[i] (BitConverter.SingleToInt32Bits actual.[i])

/// A case: input [N,C,H,W], K filters of 3x3 with this stride, and the convolution's 2x2 pooling.
type private Case = { N: int; C: int; H: int; W: int; K: int; Stride: int }

let private geometries (c: Case) =
    let g = conv2d [| c.N; c.C; c.H; c.W |] [| c.K; c.C; 3; 3 |] (c.Stride, c.Stride) Padding2d.zero
    g, pool2d "max_pool2d" [| g.N; g.K; g.OH; g.OW |] (2, 2) (2, 2)

/// x, the convolution's output pooled (its argmax) and a pooled gradient with exact zeros, as a
/// ReLU after the pooling leaves it; `poison` puts +Inf and NaN in the input (never an argmax's
/// tap only by chance), where the dense route multiplies them by zero gradients.
let private inputs (c: Case) (seed: int) (poison: bool) =
    let g, pg = geometries c
    let rng = Random seed
    let x = Array.init (g.N * g.C * g.H * g.W) (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))
    if poison then
        x.[x.Length / 3] <- Single.PositiveInfinity
        x.[x.Length / 2] <- nanf
    // small integers in the convolution's output give ties, where the first maximum must win
    let y = Array.init (g.N * g.K * g.OH * g.OW) (fun _ -> float32 (rng.Next 4))
    let _, arg = Pool.maxPool2dForward pg y
    let dy = Array.init (g.N * g.K * pg.OH * pg.OW) (fun _ -> if rng.Next 3 = 0 then 0.0f else float32 (rng.NextDouble() * 2.0 - 1.0))
    x, arg, dy

/// The route through the convolution's whole gradient.
let private dense (c: Case) (x: float32[]) (arg: int[]) (dy: float32[]) =
    let g, pg = geometries c
    let dyConv = Array.zeroCreate (g.N * g.K * g.OH * g.OW)
    let sums = Array.zeroCreate (g.N * g.K)
    Pool.maxPool2dBackwardInto pg arg dy dyConv (Some sums)
    Conv.conv2dBackwardWeight g x dyConv, Conv.biasBackwardFromPlaneSums g.N g.K sums

let private cases =
    [ // the seed CNN's first layer, with a batch that is not a multiple of its 16 groups
      { N = 19; C = 1; H = 28; W = 28; K = 32; Stride = 1 }
      // odd convolution output (a last row and column in no window), a partial block of channels
      { N = 3; C = 2; H = 12; W = 13; K = 20; Stride = 1 }
      // stride 2, two blocks of channels, the second partial
      { N = 17; C = 1; H = 11; W = 11; K = 40; Stride = 2 }
      // one image, three input channels, one half-block
      { N = 1; C = 3; H = 7; W = 9; K = 16; Stride = 1 }
      // more positions than one GEMM k block (Gemm.KC): the blocks' partial sums are kept
      { N = 2; C = 1; H = 30; W = 30; K = 8; Stride = 1 } ]

let private avx512 = Runtime.Intrinsics.X86.Avx512F.IsSupported

/// Random x [n,c,size,size], 3x3 weights for k filters, their bias, and a gradient for the 2x2-pooled
/// output of the valid convolution.
let private convPoolTensors (seed: int) (n: int, c: int, size: int) (k: int) =
    let rng = Random seed
    let tensor (dims: int[]) = Tensor.ofArray dims (Array.init (Array.reduce (*) dims) (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0)))
    let x = tensor [| n; c; size; size |]
    let w = tensor [| k; c; 3; 3 |]
    let b = tensor [| k |]
    x, w, b, tensor [| n; k; (size - 2) / 2; (size - 2) / 2 |]

[<Tests>]
let tests =
    testList "ConvPool" [
        sequencedCase "weight and bias gradients equal the dense route bit for bit, on every path and thread count" <| fun () ->
            if avx512 then
                for c in cases do
                    for poison in [ false; true ] do
                        let x, arg, dy = inputs c (c.N * 31 + c.K) poison
                        let g, pg = geometries c
                        let what = sprintf "%A poison=%b" c poison
                        Expect.isTrue (withSettings Setup.V512 -1 (fun () -> ConvPool.backwardApplies g pg)) (what + ": applies")
                        // the dense route on the scalar path, the reference every path agrees with
                        let dwRef, dbRef = withSettings Setup.Scalar 1 (fun () -> dense c x arg dy)
                        for threads in [ 1; -1 ] do
                            let dw, db = withSettings Setup.V512 threads (fun () -> ConvPool.weightAndBias g pg x arg dy null true)
                            assertBitwise (sprintf "%s threads=%d dw" what threads) dwRef dw
                            assertBitwise (sprintf "%s threads=%d db" what threads) dbRef db
                        let dwOnly, noBias = withSettings Setup.V512 -1 (fun () -> ConvPool.weightAndBias g pg x arg dy null false)
                        assertBitwise (what + ": dw without the bias") dwRef dwOnly
                        Expect.isNull noBias (what + ": no bias gradient asked for")
                        // after a ReLU on the pooled values (ties at 0, a negative zero and a NaN among
                        // them): its gradient taken inside, against Elementwise.reluBackward first
                        let reluOut = Array.init dy.Length (fun i -> match i % 7 with 0 -> 0.0f | 1 -> -0.0f | 2 -> -1.5f | _ -> if i = 10 then nanf else float32 (i % 5))
                        let masked = Elementwise.reluBackward reluOut dy
                        let dwMasked, dbMasked = withSettings Setup.Scalar 1 (fun () -> dense c x arg masked)
                        let dwRelu, dbRelu = withSettings Setup.V512 -1 (fun () -> ConvPool.weightAndBias g pg x arg dy reluOut true)
                        assertBitwise (what + ": dw after a ReLU") dwMasked dwRelu
                        assertBitwise (what + ": db after a ReLU") dbMasked dbRelu
                        let dwDense, dbDense = withSettings Setup.V512 -1 (fun () -> dense c x arg dy)
                        assertBitwise (what + ": Vector512 dense dw") dwRef dwDense
                        assertBitwise (what + ": Vector512 dense db") dbRef dbDense

        sequencedCase "the forward pass pooled image by image equals the whole output pooled, on every path and thread count" <| fun () ->
            // the direct kernel (first layers), the GEMM with the image packed straight into its panels
            // (the seed CNN's second layer) and through im2col (stride 2, padding); a 2x2 pooling (the
            // one-pass kernels), a 3x3 stride-2 one (the gather kernel), odd outputs
            for (n, c, h, w, k), (convStride, pad), (pool, stride) in
                [ (19, 1, 28, 28, 32), (1, 0), ((2, 2), (2, 2))
                  (3, 2, 12, 13, 5), (1, 0), ((2, 2), (2, 2))
                  (2, 1, 14, 11, 7), (1, 0), ((3, 3), (2, 2))
                  (1, 3, 9, 10, 4), (1, 0), ((2, 3), (1, 2))
                  (5, 32, 13, 13, 64), (1, 0), ((2, 2), (2, 2))
                  (3, 4, 15, 12, 6), (2, 1), ((2, 2), (2, 2))
                  (2, 20, 6, 7, 3), (1, 1), ((2, 2), (1, 1)) ] do
                let g = conv2d [| n; c; h; w |] [| k; c; 3; 3 |] (convStride, convStride) (Padding2d.symmetric pad pad)
                let pg = pool2d "max_pool2d" [| g.N; g.K; g.OH; g.OW |] pool stride
                let rng = Random(n * 7 + k)
                let x = Array.init (n * c * h * w) (fun _ -> float32 (rng.Next 5) - 2.0f)
                let wt = Array.init (k * c * 9) (fun _ -> float32 (rng.NextDouble() - 0.5))
                let bias = Some(Array.init k (fun _ -> float32 (rng.NextDouble() - 0.5)))
                Expect.isTrue (ConvPool.forwardApplies g pg) (sprintf "%A applies" g)
                for path in [ Setup.Scalar; Setup.V256; Setup.V512 ] do
                    if path <> Setup.V512 || avx512 then
                        let y = Array.zeroCreate (g.N * g.K * g.OH * g.OW)
                        let expected, expectedArg = withSettings path 1 (fun () -> Conv.conv2dForwardInto false false g x wt bias y; Pool.maxPool2dForward pg y)
                        for threads in [ 1; -1 ] do
                            let what = sprintf "%A %A pool %A threads=%d" path g pool threads
                            let pooled, arg = withSettings path threads (fun () -> ConvPool.forward g pg x wt bias true false)
                            assertBitwise (what + ": pooled") expected pooled
                            Expect.equal arg expectedArg (what + ": argmax")
                            let values, noArg = withSettings path threads (fun () -> ConvPool.forward g pg x wt bias false false)
                            assertBitwise (what + ": pooled without argmax") expected values
                            Expect.isNull noArg (what + ": no argmax asked for")
                            let relu, reluArg = withSettings path threads (fun () -> ConvPool.forward g pg x wt bias true true)
                            // Ops.relu's kernel on the whole pooled output
                            let reluExpected = Array.zeroCreate expected.Length
                            Elementwise.reluInto expected reluExpected
                            assertBitwise (what + ": pooled, then ReLU") reluExpected relu
                            Expect.equal reluArg expectedArg (what + ": argmax with the ReLU")
            let strided = conv2d [| 1; 1; 20; 20 |] [| 4; 1; 3; 3 |] (2, 2) Padding2d.zero
            Expect.isFalse (ConvPool.forwardApplies strided (pool2d "p" [| 1; 4; strided.OH + 1; strided.OW |] (2, 2) (2, 2))) "a pooling of another shape"
            Expect.throwsT<ArgumentException> (fun () -> ConvPool.forward strided (pool2d "p" [| 1; 4; strided.OH + 1; strided.OW |] (2, 2) (2, 2)) [||] [||] None true false |> ignore) "called where it does not apply"

        testCase "applies only where it computes the dense route's bits" <| fun () ->
            let g, pg = geometries cases.[0]
            Expect.isFalse (withSettings Setup.V256 -1 (fun () -> ConvPool.backwardApplies g pg)) "Vector256 path"
            Expect.isFalse (withSettings Setup.Scalar -1 (fun () -> ConvPool.backwardApplies g pg)) "scalar path"
            let padded = conv2d [| 1; 1; 8; 8 |] [| 4; 1; 3; 3 |] (1, 1) (Padding2d.symmetric 1 1)
            Expect.isFalse (withSettings Setup.V512 -1 (fun () -> ConvPool.backwardApplies padded (pool2d "p" [| 1; 4; 8; 8 |] (2, 2) (2, 2)))) "padded convolution"
            Expect.isFalse (withSettings Setup.V512 -1 (fun () -> ConvPool.backwardApplies g (pool2d "p" [| g.N; g.K; g.OH; g.OW |] (3, 3) (2, 2)))) "overlapping windows"
            let fiveByFive = conv2d [| 1; 1; 12; 12 |] [| 4; 1; 5; 5 |] (1, 1) Padding2d.zero
            Expect.isFalse (withSettings Setup.V512 -1 (fun () -> ConvPool.backwardApplies fiveByFive (pool2d "p" [| 1; 4; 8; 8 |] (2, 2) (2, 2)))) "5x5 kernel"
            Expect.throwsT<ArgumentException> (fun () ->
                withSettings Setup.Scalar -1 (fun () -> ConvPool.weightAndBias g pg [||] [||] [||] null true) |> ignore) "called where it does not apply"

        testCase "refuses an argmax outside its window, naming it" <| fun () ->
            if avx512 then
                let c = cases.[1]
                let x, arg, dy = inputs c 5 false
                let g, pg = geometries c
                let windows = pg.OH * pg.OW
                // a neighbour's input, the next plane's, a negative index; in the last (partial) group of windows and in a padded block's last channel
                for o, bad in [ 1, arg.[1] + 2; 7, arg.[7] + g.OH * g.OW; 4, -1; windows - 1, arg.[windows - 1] - 2 * g.OW; (c.K - 1) * windows + 3, arg.[(c.K - 1) * windows + 3] + 1 + g.OW * 2 ] do
                    let hostile = Array.copy arg
                    hostile.[o] <- bad
                    let e = Expect.throwsC (fun () -> withSettings Setup.V512 -1 (fun () -> ConvPool.weightAndBias g pg x hostile dy null true) |> ignore) id
                    Expect.stringContains e.Message (sprintf "argmax %d of output %d is not inside its window" bad o) "names the argmax and its output"
                // too short an argmax, a too short gradient
                Expect.throwsT<ArgumentException> (fun () -> withSettings Setup.V512 -1 (fun () -> ConvPool.weightAndBias g pg x (Array.sub arg 0 5) dy null true) |> ignore) "short argmax"
                Expect.throwsT<ArgumentException> (fun () -> withSettings Setup.V512 -1 (fun () -> ConvPool.weightAndBias g pg x arg (Array.sub dy 0 5) null true) |> ignore) "short gradient"

        testCase "the fused conv + pool (+ ReLU) ops' first-layer gradients equal conv2d then maxPool2d (then relu)" <| fun () ->
            // x is a constant (a first layer): the op takes ConvPool where it applies
            let x, w, b, seed = convPoolTensors 11 (5, 1, 14) 12
            for withRelu in [ true; false ] do
                let after (t: Tensor) = if withRelu then Ops.relu t else t
                let fused, gf =
                    Autodiff.vjpMany (fun ps ->
                        if withRelu then Nn.conv2dMaxPoolRelu (1, 1) Nn.Valid (2, 2) (2, 2) x ps.[0] (Some ps.[1])
                        else Nn.conv2dMaxPool (1, 1) Nn.Valid (2, 2) (2, 2) x ps.[0] (Some ps.[1])) [| w; b |] seed
                let plain, gp = Autodiff.vjpMany (fun ps -> Nn.conv2d (1, 1) Nn.Valid x ps.[0] (Some ps.[1]) |> Nn.maxPool2d (2, 2) (2, 2) |> after) [| w; b |] seed
                let what = if withRelu then "with the ReLU" else "without"
                assertBitwise (what + ": value") (plain.ToArray()) (fused.ToArray())
                assertBitwise (what + ": weight gradient") (gp.[0].ToArray()) (gf.[0].ToArray())
                assertBitwise (what + ": bias gradient") (gp.[1].ToArray()) (gf.[1].ToArray())

        testCase "the fused conv + pool + ReLU op's gradients equal conv2d, maxPool2d and relu where the input needs one too" <| fun () ->
            // the second layer's route: the pooling's backward, then the GEMM gradients
            let x, w, b, seed = convPoolTensors 12 (3, 6, 13) 10
            let fused, gf = Autodiff.vjpMany (fun ps -> Nn.conv2dMaxPoolRelu (1, 1) Nn.Valid (2, 2) (2, 2) ps.[0] ps.[1] (Some ps.[2])) [| x; w; b |] seed
            let plain, gp = Autodiff.vjpMany (fun ps -> Nn.conv2d (1, 1) Nn.Valid ps.[0] ps.[1] (Some ps.[2]) |> Nn.maxPool2d (2, 2) (2, 2) |> Ops.relu) [| x; w; b |] seed
            assertBitwise "value" (plain.ToArray()) (fused.ToArray())
            for i in 0 .. 2 do assertBitwise (sprintf "gradient %d" i) (gp.[i].ToArray()) (gf.[i].ToArray())
    ]
