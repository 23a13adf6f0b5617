/// Differentiable neural-network ops: convolution, transposed convolution, pooling, softmax,
/// the losses and dropout. The heavy ones are primitives with hand-written forward and backward
/// kernels, because that is where the time goes.
module FuncCnn.Core.Nn

open FuncCnn

open FuncCnn.Core
open System
open FuncCnn.Core.Kernels
open FuncCnn.Core.Shape

type private TensorPrimitives = System.Numerics.Tensors.TensorPrimitives

let inline private gradIf (need: bool) ([<InlineIfLambda>] f: unit -> float32[]) = if need then f () else null

/// How a convolution pads its input.
type ConvPadding =
    /// No padding: the output shrinks by kernel - 1 (Keras "valid").
    | Valid
    /// Keras "same": output = ceil(input / stride), the odd pixel of padding at the bottom/right.
    | Same
    /// Explicit zeros on each side.
    | Explicit of Padding2d

let private resolvePadding (x: Tensor) (w: Tensor) (stride: int * int) (padding: ConvPadding) =
    match padding with
    | Valid -> Padding2d.zero
    | Explicit p -> p
    | Same ->
        requireRank "conv2d" "input" 4 "NCHW: batch, channels, height, width" x.Dims
        requireRank "conv2d" "kernel" 4 "out_channels, in_channels, kh, kw" w.Dims
        Padding2d.same (x.Dims.[2], x.Dims.[3]) (w.Dims.[2], w.Dims.[3]) stride

let private checkBias (op: string) (channels: int) (b: Tensor option) =
    b |> Option.iter (fun b ->
        if b.Dims <> [| channels |] then Fail.shape "%s: bias %s must have shape [%d] (one per output channel)" op (show b.Dims) channels)

let private convolve (relu: bool) (stride: int * int) (padding: ConvPadding) (x: Tensor) (w: Tensor) (b: Tensor option) =
    let g = Shape.conv2d x.Dims w.Dims stride (resolvePadding x w stride padding)
    checkBias "conv2d" g.K b
    let y = Conv.conv2dForwardFused relu g x.Data w.Data (b |> Option.map (fun b -> b.Data))
    let inputs = match b with Some b -> [| x; w; b |] | None -> [| x; w |]
    let needs = inputs |> Array.map Autodiff.needsGrad
    let backward (dy: float32[]) =
        [| gradIf needs.[0] (fun () -> Conv.conv2dBackwardInput g dy w.Data)
           gradIf needs.[1] (fun () -> Conv.conv2dBackwardWeight g x.Data dy)
           if inputs.Length = 3 then gradIf needs.[2] (fun () -> Conv.biasBackward g.N g.K (g.OH * g.OW) dy) |]
    Autodiff.record [| g.N; g.K; g.OH; g.OW |] y inputs (fun dy ->
        if not relu then backward dy
        else
            // the ReLU gradient masks dy where the output is zero; the masked copy is scratch that
            // no tensor keeps, so it goes back to the pool as soon as the kernels are done
            let masked = Setup.Scratch.rent dy.Length
            try
                Elementwise.reluBackwardInto y dy masked
                backward masked
            finally Setup.Scratch.give masked)

/// Cross-correlation of x [N,C,H,W] with w [K,C,KH,KW] (+ bias [K]) → [N,K,OH,OW].
let conv2d (stride: int * int) (padding: ConvPadding) (x: Tensor) (w: Tensor) (b: Tensor option) =
    convolve false stride padding x w b

/// conv2d followed by ReLU in one op: the activation is applied while the output is in cache and
/// no separate pre-activation tensor or gradient is kept.
let conv2dRelu (stride: int * int) (padding: ConvPadding) (x: Tensor) (w: Tensor) (b: Tensor option) =
    convolve true stride padding x w b

/// How a transposed convolution sizes its output.
type ConvTransposePadding =
    /// output = input * stride, the odd pixel of padding at the top/left (PyTorch's padding and
    /// output_padding form wherever that exists).
    | SameOutput
    /// Keras/TensorFlow "same": output = input * stride, the odd pixel of padding at the bottom/right
    /// (what an imported Keras Conv2DTranspose computes).
    | SameKeras
    /// PyTorch's padding and output_padding per axis: out = (in - 1) * s - 2p + k + output_padding.
    | Torch of padding: (int * int) * outputPadding: (int * int)

/// Transposed convolution (the gradient of conv2d with respect to its input) of x [N,Cin,H,W]
/// with w [Cin,Cout,KH,KW] (+ bias [Cout]).
let convTranspose2d (stride: int * int) (padding: ConvTransposePadding) (x: Tensor) (w: Tensor) (b: Tensor option) =
    let g =
        match padding with
        | Torch(pad, outPad) -> Shape.convTranspose2d x.Dims w.Dims stride pad outPad
        | SameOutput -> Shape.convTranspose2dSame x.Dims w.Dims stride
        | SameKeras -> Shape.convTranspose2dSameTf x.Dims w.Dims stride
    checkBias "conv_transpose2d" g.C b
    let y = Conv.conv2dBackwardInput g x.Data w.Data
    let p = g.H * g.W
    b |> Option.iter (fun b ->
        for n in 0 .. g.N - 1 do
            for c in 0 .. g.C - 1 do
                TensorPrimitives.Add(ReadOnlySpan(y, (n * g.C + c) * p, p), b.Data.[c], Span(y, (n * g.C + c) * p, p)))
    let inputs = match b with Some b -> [| x; w; b |] | None -> [| x; w |]
    let needs = inputs |> Array.map Autodiff.needsGrad
    Autodiff.record [| g.N; g.C; g.H; g.W |] y inputs (fun dy ->
        [| gradIf needs.[0] (fun () -> Conv.conv2dForward g dy w.Data None)
           gradIf needs.[1] (fun () -> Conv.conv2dBackwardWeight g dy x.Data)
           if inputs.Length = 3 then gradIf needs.[2] (fun () -> Conv.biasBackward g.N g.C p dy) |])

/// Max pooling over kernel windows moved by stride (no padding, floor mode).
let maxPool2d (kernel: int * int) (stride: int * int) (x: Tensor) =
    let g = Shape.pool2d "max_pool2d" x.Dims kernel stride
    if not (Autodiff.needsGrad x) then
        // nothing will go backward through this (prediction, evaluation): no argmax
        Autodiff.record [| g.N; g.C; g.OH; g.OW |] (Pool.maxPool2dForwardValues g x.Data) [| x |] (fun _ -> [| null |])
    else
        let y, arg = Pool.maxPool2dForward g x.Data
        Autodiff.record [| g.N; g.C; g.OH; g.OW |] y [| x |] (fun dy -> [| Pool.maxPool2dBackward g arg dy |])

let private convolveMaxPool (relu: bool) (stride: int * int) (padding: ConvPadding) (pool: int * int) (poolStride: int * int) (x: Tensor) (w: Tensor) (b: Tensor option) =
    let g = Shape.conv2d x.Dims w.Dims stride (resolvePadding x w stride padding)
    checkBias "conv2d" g.K b
    let pg = Shape.pool2d "max_pool2d" [| g.N; g.K; g.OH; g.OW |] pool poolStride
    let convLength = g.N * g.K * g.OH * g.OW
    let inputs = match b with Some b -> [| x; w; b |] | None -> [| x; w |]
    let needs = inputs |> Array.map Autodiff.needsGrad
    // the argmax only where a gradient will flow back through the pooling
    let withArg = Array.exists id needs
    let y, arg = ConvPool.forward g pg x.Data w.Data (b |> Option.map (fun b -> b.Data)) withArg relu
    Autodiff.record [| pg.N; pg.C; pg.OH; pg.OW |] y inputs (fun dy ->
        // a first layer (no input gradient): the weight and bias gradients straight from the pooled
        // gradient (the ReLU's gradient taken on the way), without the convolution's gradient in between
        if not needs.[0] && needs.[1] && ConvPool.backwardApplies g pg then
            let withBias = inputs.Length = 3 && needs.[2]
            let dw, db = ConvPool.weightAndBias g pg x.Data arg dy (if relu then y else null) withBias
            [| null; dw; if inputs.Length = 3 then db |]
        else
        // the ReLU's gradient (where the output is > 0, as Ops.relu's: y > 0 exactly where its input is)
        let dyPooled = if relu then Setup.Scratch.rent dy.Length else dy
        let dyConv = Setup.Scratch.rent (max 1 convLength)
        // the plane sums only when the bias gradient is wanted
        let sums = if inputs.Length = 3 && needs.[2] then Some(Setup.Scratch.rent (max 1 (g.N * g.K))) else None
        try
            if relu then Elementwise.reluBackwardInto y dy dyPooled
            Pool.maxPool2dBackwardInto pg arg dyPooled dyConv sums
            [| gradIf needs.[0] (fun () -> Conv.conv2dBackwardInput g dyConv w.Data)
               gradIf needs.[1] (fun () -> Conv.conv2dBackwardWeight g x.Data dyConv)
               if inputs.Length = 3 then gradIf needs.[2] (fun () -> Conv.biasBackwardFromPlaneSums g.N g.K sums.Value) |]
        finally
            if relu then Setup.Scratch.give dyPooled
            Setup.Scratch.give dyConv
            sums |> Option.iter Setup.Scratch.give)

/// conv2d (no activation) followed by max pooling, recorded as one op: the convolution's output
/// lives only in a per-thread buffer while each image is pooled (ConvPool.forward), and the
/// backward pass takes the bias gradient from plane sums the pooling's backward takes while each
/// plane is in cache, instead of a pass over the whole convolution gradient; a first layer's
/// gradients come straight from the pooled gradient (ConvPool.weightAndBias).
/// Values and gradients are the bits of conv2d then maxPool2d.
let conv2dMaxPool (stride: int * int) (padding: ConvPadding) (pool: int * int) (poolStride: int * int) (x: Tensor) (w: Tensor) (b: Tensor option) =
    convolveMaxPool false stride padding pool poolStride x w b

/// conv2dMaxPool then ReLU in one op: the ReLU is taken on each image's pooled outputs while they
/// are in cache, and its gradient on the way into the pooling's backward. ReLU commutes with max, so
/// this is a ReLU convolution then max pooling; values and gradients are the bits of
/// conv2dMaxPool then Ops.relu.
let conv2dMaxPoolRelu (stride: int * int) (padding: ConvPadding) (pool: int * int) (poolStride: int * int) (x: Tensor) (w: Tensor) (b: Tensor option) =
    convolveMaxPool true stride padding pool poolStride x w b

/// Average pooling over kernel windows moved by stride (no padding, floor mode).
let avgPool2d (kernel: int * int) (stride: int * int) (x: Tensor) =
    let g = Shape.pool2d "avg_pool2d" x.Dims kernel stride
    let y = Pool.avgPool2dForward g x.Data
    Autodiff.record [| g.N; g.C; g.OH; g.OW |] y [| x |] (fun dy -> [| Pool.avgPool2dBackward g dy |])

// ---------------------------------------------------------------------------------------------
// Softmax family: over the last axis, each row computed stably (shifted by its maximum).

let private rows (op: string) (x: Tensor) =
    if x.Rank < 1 then Fail.shape "%s: needs at least one dimension, got a scalar" op
    let c = x.Dims.[x.Rank - 1]
    if c = 0 then Fail.shape "%s: the last axis of %s is empty" op (show x.Dims)
    x.Numel / c, c

let private logSoftmaxRows (n: int) (c: int) (x: float32[]) =
    let y = Setup.uninitialized x.Length
    for r in 0 .. n - 1 do
        let row = ReadOnlySpan(x, r * c, c)
        let m = TensorPrimitives.Max(row)
        let mutable s = 0.0
        for j in r * c .. r * c + c - 1 do s <- s + Math.Exp(float (x.[j] - m))
        let lse = m + float32 (Math.Log s)
        TensorPrimitives.Subtract(row, lse, Span(y, r * c, c))
    y

/// Softmax over the last axis.
let softmax (x: Tensor) =
    let n, c = rows "softmax" x
    let y = logSoftmaxRows n c x.Data
    TensorPrimitives.Exp(ReadOnlySpan y, Span y)
    Autodiff.record x.Dims y [| x |] (fun g ->
        // dx = y * (g - sum(g * y)) per row
        let dx = Setup.uninitialized g.Length
        for r in 0 .. n - 1 do
            let yr = ReadOnlySpan(y, r * c, c)
            let gr = ReadOnlySpan(g, r * c, c)
            let dot = Setup.Reduce.dot yr gr
            TensorPrimitives.Subtract(gr, dot, Span(dx, r * c, c))
            TensorPrimitives.Multiply(ReadOnlySpan(dx, r * c, c), yr, Span(dx, r * c, c))
        [| dx |])

/// Log of the softmax over the last axis, computed without overflow.
let logSoftmax (x: Tensor) =
    let n, c = rows "log_softmax" x
    let y = logSoftmaxRows n c x.Data
    Autodiff.record x.Dims y [| x |] (fun g ->
        // dx = g - softmax * sum(g) per row
        let dx = Setup.uninitialized g.Length
        for r in 0 .. n - 1 do
            let total = Setup.Reduce.sum (ReadOnlySpan(g, r * c, c))
            for j in r * c .. r * c + c - 1 do
                dx.[j] <- g.[j] - MathF.Exp y.[j] * total
        [| dx |])

// ---------------------------------------------------------------------------------------------
// Losses: each returns the mean as a scalar (shape []).

let private requireLogits (op: string) (logits: Tensor) =
    requireRank op "logits" 2 "batch, classes" logits.Dims
    if logits.Dims.[0] = 0 then Fail.shape "%s: the batch is empty" op
    logits.Dims.[0], logits.Dims.[1]

/// Mean cross-entropy of logits [N,C] against integer class labels, fused with log-softmax.
let crossEntropy (logits: Tensor) (labels: int[]) =
    let n, c = requireLogits "cross_entropy" logits
    if labels.Length <> n then
        Fail.shape "cross_entropy: %d labels for a batch of %d logits %s" labels.Length n (show logits.Dims)
    labels |> Array.iteri (fun i l ->
        if l < 0 || l >= c then Fail.value "cross_entropy: label %d at position %d is outside the %d classes [0, %d)" l i c c)
    let logp = logSoftmaxRows n c logits.Data
    let mutable total = 0.0
    for i in 0 .. n - 1 do total <- total - float logp.[i * c + labels.[i]]
    let loss = float32 (total / float n)
    Autodiff.record [||] [| loss |] [| logits |] (fun g ->
        // d/dlogits = (softmax - onehot) / N
        let scale = g.[0] / float32 n
        let dx = Setup.uninitialized logp.Length
        TensorPrimitives.Exp(ReadOnlySpan logp, Span dx)
        for i in 0 .. n - 1 do dx.[i * c + labels.[i]] <- dx.[i * c + labels.[i]] - 1.0f
        TensorPrimitives.Multiply(ReadOnlySpan dx, scale, Span dx)
        [| dx |])

/// Mean cross-entropy of logits [N,C] against target distributions [N,C] (e.g. one-hot).
let crossEntropyOneHot (logits: Tensor) (targets: Tensor) =
    let n, c = requireLogits "cross_entropy" logits
    if targets.Dims <> logits.Dims then
        Fail.shape "cross_entropy: targets %s must have the logits' shape %s" (show targets.Dims) (show logits.Dims)
    let logp = logSoftmaxRows n c logits.Data
    let loss = -(Setup.Reduce.dot (ReadOnlySpan logp) (ReadOnlySpan targets.Data)) / float32 n
    let needL, needT = Autodiff.needsGrad logits, Autodiff.needsGrad targets
    Autodiff.record [||] [| loss |] [| logits; targets |] (fun g ->
        let scale = g.[0] / float32 n
        [| gradIf needL (fun () ->
               // softmax * sum(t) - t, per row
               let dx = Array.zeroCreate logp.Length
               for i in 0 .. n - 1 do
                   let tsum = Setup.Reduce.sum (ReadOnlySpan(targets.Data, i * c, c))
                   for j in i * c .. i * c + c - 1 do dx.[j] <- (MathF.Exp logp.[j] * tsum - targets.Data.[j]) * scale
               dx)
           gradIf needT (fun () -> logp |> Array.map (fun v -> -v * scale)) |])

/// log clamped at -100, as PyTorch's binary cross-entropy does, so p = 0 or 1 gives a finite loss.
let private clampedLog (v: float32) = max -100.0f (MathF.Log(max v 0.0f))

/// Mean binary cross-entropy of probabilities p against targets in [0, 1] (same shape).
let binaryCrossEntropy (p: Tensor) (target: Tensor) =
    if p.Dims <> target.Dims then
        Fail.shape "binary_cross_entropy: probabilities %s and targets %s must have the same shape" (show p.Dims) (show target.Dims)
    if p.Numel = 0 then Fail.shape "binary_cross_entropy: the input is empty"
    let n = float32 p.Numel
    let pv, tv = p.Data, target.Data
    let mutable total = 0.0
    for i in 0 .. pv.Length - 1 do
        total <- total - float (tv.[i] * clampedLog pv.[i] + (1.0f - tv.[i]) * clampedLog (1.0f - pv.[i]))
    let needP, needT = Autodiff.needsGrad p, Autodiff.needsGrad target
    Autodiff.record [||] [| float32 (total / float n) |] [| p; target |] (fun g ->
        let scale = g.[0] / n
        [| gradIf needP (fun () -> Array.init pv.Length (fun i -> scale * (pv.[i] - tv.[i]) / max ((1.0f - pv.[i]) * pv.[i]) 1e-12f))
           gradIf needT (fun () -> Array.init pv.Length (fun i -> -scale * (clampedLog pv.[i] - clampedLog (1.0f - pv.[i])))) |])

/// Mean of (a - b)^2 over all elements.
let mse (a: Tensor) (b: Tensor) =
    if a.Dims <> b.Dims then Fail.shape "mse: shapes %s and %s must be equal" (show a.Dims) (show b.Dims)
    if a.Numel = 0 then Fail.shape "mse: the input is empty"
    let diff = Array.zeroCreate a.Numel
    TensorPrimitives.Subtract(ReadOnlySpan a.Data, ReadOnlySpan b.Data, Span diff)
    let n = float32 a.Numel
    let loss = Setup.Reduce.dot (ReadOnlySpan diff) (ReadOnlySpan diff) / n
    let needA, needB = Autodiff.needsGrad a, Autodiff.needsGrad b
    Autodiff.record [||] [| loss |] [| a; b |] (fun g ->
        let scale = 2.0f * g.[0] / n
        [| gradIf needA (fun () -> diff |> Array.map (fun d -> d * scale))
           gradIf needB (fun () -> diff |> Array.map (fun d -> -d * scale)) |])

// ---------------------------------------------------------------------------------------------

/// Whether a forward pass is training (dropout active) or inference.
type Mode =
    | Train
    | Eval

/// Inverted dropout: in Train mode each element is zeroed with probability `rate` and the rest
/// scaled by 1 / (1 - rate); in Eval mode the input passes unchanged.
let dropout (rate: float32) (mode: Mode) (rng: Rng) (x: Tensor) =
    if not (rate >= 0.0f && rate < 1.0f) then Fail.value "dropout: rate must be in [0, 1), got %g" rate
    match mode with
    | Eval -> x
    | Train when rate = 0.0f -> x
    | Train ->
        let keep = Rng.bernoulli (1.0f - rate) x.Numel rng
        let scale = 1.0f / (1.0f - rate)
        let mask = keep |> Array.map (fun k -> if k then scale else 0.0f)
        Ops.mul x (Tensor.wrap x.Dims mask)
