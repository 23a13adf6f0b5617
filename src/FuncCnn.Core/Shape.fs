/// Shapes are plain int arrays (NCHW for images). Every shape rule and check lives here, so each
/// op's error message names the op, what it received and what it needs.
module FuncCnn.Core.Shape

open System
open FuncCnn

/// "[8,3,28,28]"
let show (shape: int[]) = "[" + (shape |> Array.map string |> String.concat ",") + "]"

/// The most elements one tensor (one .NET array) may hold.
let MaxElements = int64 Array.MaxLength

/// The product of sizes in 64 bits, saturating at Int64.MaxValue instead of wrapping around (a
/// negative factor saturates too, so it is refused as too big wherever this is compared to a limit).
let product64 (factors: int64 seq) =
    factors |> Seq.fold (fun (acc: int64) d -> if d <> 0L && acc > Int64.MaxValue / d then Int64.MaxValue else acc * d) 1L

/// The product of the sizes in 64 bits, saturating at Int64.MaxValue (never wraps); 0 when a size
/// is 0, -1 when one is negative.
let numel64 (shape: int[]) =
    if shape |> Array.exists (fun d -> d = 0) then 0L
    elif shape |> Array.exists (fun d -> d < 0) then -1L
    else product64 (shape |> Seq.map int64)

/// Fails with a ShapeException naming `what` and the shape unless `count` elements fit one tensor.
let requireFits (what: string) (shape: int[]) (count: int64) =
    if count > MaxElements then
        Fail.shape "%s: shape %s has %s elements, more than one tensor can hold (%d)"
            what (show shape) (if count = Int64.MaxValue then "over 9e18" else string count) MaxElements

/// Number of elements (1 for a scalar, shape []). A shape with a negative size or more elements
/// than one tensor can hold is a ShapeException: the product never wraps around.
let numel (shape: int[]) =
    let n = numel64 shape
    if n < 0L then Fail.shape "shape %s has a negative size" (show shape)
    requireFits "numel" shape n
    int n

/// Row-major strides.
let strides (shape: int[]) =
    numel shape |> ignore
    let s = Array.zeroCreate shape.Length
    let mutable acc = 1
    for i in shape.Length - 1 .. -1 .. 0 do
        s.[i] <- acc
        acc <- acc * shape.[i]
    s

/// Resolves a possibly negative axis (-1 = last) against a rank, or fails naming the op.
let normalizeAxis (op: string) (shape: int[]) (axis: int) =
    let r = shape.Length
    let a = if axis < 0 then axis + r else axis
    if a < 0 || a >= r then Fail.shape "%s: axis %d is out of range for a tensor of shape %s (rank %d)" op axis (show shape) r
    a

/// NumPy broadcasting of two shapes, or an error naming both.
let broadcast (op: string) (a: int[]) (b: int[]) =
    let r = max a.Length b.Length
    Array.init r (fun i ->
        let da = let j = i - (r - a.Length) in if j >= 0 then a.[j] else 1
        let db = let j = i - (r - b.Length) in if j >= 0 then b.[j] else 1
        if da = db || db = 1 then da
        elif da = 1 then db
        else Fail.shape "%s: shapes %s and %s cannot be broadcast together (dimension %d is %d vs %d)" op (show a) (show b) i da db)

/// Checks that a shape has the given rank; `what` describes the expected layout.
let requireRank (op: string) (name: string) (rank: int) (what: string) (shape: int[]) =
    if shape.Length <> rank then
        Fail.shape "%s: %s has shape %s but must have rank %d (%s)" op name (show shape) rank what

/// Padding as [top, bottom, left, right].
type Padding2d = { Top: int; Bottom: int; Left: int; Right: int }

module Padding2d =
    let zero = { Top = 0; Bottom = 0; Left = 0; Right = 0 }
    let symmetric (ph: int) (pw: int) = { Top = ph; Bottom = ph; Left = pw; Right = pw }

    /// Keras' "same" rule: output = ceil(input / stride); the odd pixel of padding goes bottom/right.
    let same (inH: int, inW: int) (kh: int, kw: int) (sh: int, sw: int) =
        let total (inn: int) (k: int) (s: int) =
            let inn, k, s = int64 inn, int64 k, int64 s
            let outn = (inn + s - 1L) / s
            int (min (int64 Int32.MaxValue) (max 0L ((outn - 1L) * s + k - inn)))
        let th, tw = total inH kh sh, total inW kw sw
        { Top = th / 2; Bottom = th - th / 2; Left = tw / 2; Right = tw - tw / 2 }

/// Everything a conv2d kernel needs to know, computed and checked once.
/// Input [N,C,H,W], weight [K,C,KH,KW], output [N,K,OH,OW].
type Conv2dGeometry =
    { N: int; C: int; H: int; W: int
      K: int; KH: int; KW: int
      SH: int; SW: int
      PadTop: int; PadLeft: int
      OH: int; OW: int }

let private checkStride op (sh, sw) =
    if sh < 1 || sw < 1 then Fail.value "%s: stride must be at least 1, got [%d,%d]" op sh sw

/// Every buffer a conv2d kernel forms (input, weight, output, the im2col columns and the direct
/// kernel's padded planes), counted in 64 bits: a geometry whose buffers do not fit one tensor
/// is refused here, so no kernel ever computes a wrapped-around size or offset.
let private checkConvSizes (op: string) (x: int[]) (w: int[]) (n: int, c: int, k: int, kh: int, kw: int, oh: int64, ow: int64) =
    let out = [| n; k; int (min oh (int64 Int32.MaxValue)); int (min ow (int64 Int32.MaxValue)) |]
    requireFits (op + " input") x (numel64 x)
    requireFits (op + " kernel") w (numel64 w)
    // the buffer's name only for the message: formatting it on every call cost 0.1 ms a training step
    let fits (what: unit -> string) (v: int64) =
        if v > MaxElements then
            Fail.shape "%s: input %s with kernel %s needs %s of %s elements, more than one tensor can hold (%d)"
                op (show x) (show w) (what ()) (if v = Int64.MaxValue then "over 9e18" else string v) MaxElements
    fits (fun () -> sprintf "an output %s" (show out)) (product64 [ int64 n; int64 k; oh; ow ])
    fits (fun () -> "a work buffer") (product64 [ int64 c; int64 kh; int64 kw; oh; ow ])
    fits (fun () -> "a padded work buffer") (product64 [ int64 c; oh + int64 kh; ow + int64 kw + 64L ])

/// Output geometry of conv2d, or an error naming what does not fit.
let conv2d (x: int[]) (w: int[]) (sh: int, sw: int) (pad: Padding2d) =
    let op = "conv2d"
    requireRank op "input" 4 "NCHW: batch, channels, height, width" x
    requireRank op "kernel" 4 "out_channels, in_channels, kh, kw" w
    checkStride op (sh, sw)
    if pad.Top < 0 || pad.Bottom < 0 || pad.Left < 0 || pad.Right < 0 then
        Fail.value "%s: padding must not be negative, got [%d,%d,%d,%d]" op pad.Top pad.Bottom pad.Left pad.Right
    if x.[1] <> w.[1] then
        Fail.shape "%s: input %s has %d channels but the kernel %s expects %d" op (show x) x.[1] (show w) w.[1]
    let ph = int64 x.[2] + int64 pad.Top + int64 pad.Bottom
    let pw = int64 x.[3] + int64 pad.Left + int64 pad.Right
    if ph < int64 w.[2] || pw < int64 w.[3] then
        Fail.shape "%s: input %s padded to %dx%d is smaller than the kernel %s (%dx%d)" op (show x) ph pw (show w) w.[2] w.[3]
    let oh, ow = (ph - int64 w.[2]) / int64 sh + 1L, (pw - int64 w.[3]) / int64 sw + 1L
    checkConvSizes op x w (x.[0], x.[1], w.[0], w.[2], w.[3], oh, ow)
    if ph > int64 Int32.MaxValue || pw > int64 Int32.MaxValue then
        Fail.shape "%s: input %s padded to %dx%d is larger than a tensor dimension can be" op (show x) ph pw
    { N = x.[0]; C = x.[1]; H = x.[2]; W = x.[3]
      K = w.[0]; KH = w.[2]; KW = w.[3]; SH = sh; SW = sw
      PadTop = pad.Top; PadLeft = pad.Left
      OH = int oh; OW = int ow }

let private checkConvTransposeInput (x: int[]) (w: int[]) (sh: int, sw: int) =
    let op = "conv_transpose2d"
    requireRank op "input" 4 "NCHW: batch, channels, height, width" x
    requireRank op "kernel" 4 "in_channels, out_channels, kh, kw" w
    checkStride op (sh, sw)
    if x.[1] <> w.[0] then
        Fail.shape "%s: input %s has %d channels but the kernel %s expects %d" op (show x) x.[1] (show w) w.[0]

/// The conv2d whose input gradient a transposed convolution is: its input is our output
/// [N, Cout, outH, outW] and its output is our input.
let private transposedGeometry (x: int[]) (w: int[]) (sh: int, sw: int) (padTop: int, padLeft: int) (outH: int64, outW: int64) =
    // the conv2d this is the gradient of: its input is our output [N, Cout, outH, outW]
    let outShape = [| x.[0]; w.[1]; int (min outH (int64 Int32.MaxValue)); int (min outW (int64 Int32.MaxValue)) |]
    requireFits "conv_transpose2d output" outShape (numel64 outShape)
    if outH > int64 Int32.MaxValue || outW > int64 Int32.MaxValue then
        Fail.shape "conv_transpose2d: input %s with kernel %s gives an output %dx%d, larger than a tensor dimension can be" (show x) (show w) outH outW
    checkConvSizes "conv_transpose2d" outShape [| w.[0]; w.[1]; w.[2]; w.[3] |] (x.[0], w.[1], w.[0], w.[2], w.[3], int64 x.[2], int64 x.[3])
    let outH, outW = int outH, int outW
    { N = x.[0]; C = w.[1]; H = outH; W = outW
      K = w.[0]; KH = w.[2]; KW = w.[3]; SH = sh; SW = sw
      PadTop = padTop; PadLeft = padLeft
      OH = x.[2]; OW = x.[3] }

/// conv_transpose2d as PyTorch defines it: input [N,Cin,H,W], weight [Cin,Cout,KH,KW],
/// out = (in - 1) * stride - 2 * padding + k + output_padding.
let convTranspose2d (x: int[]) (w: int[]) (sh: int, sw: int) (ph: int, pw: int) (oph: int, opw: int) =
    let op = "conv_transpose2d"
    checkConvTransposeInput x w (sh, sw)
    if ph < 0 || pw < 0 then Fail.value "%s: padding must not be negative, got [%d,%d]" op ph pw
    if oph < 0 || opw < 0 || oph >= sh || opw >= sw then
        Fail.value "%s: output_padding [%d,%d] must be non-negative and smaller than the stride [%d,%d]" op oph opw sh sw
    let outH = (int64 x.[2] - 1L) * int64 sh - 2L * int64 ph + int64 w.[2] + int64 oph
    let outW = (int64 x.[3] - 1L) * int64 sw - 2L * int64 pw + int64 w.[3] + int64 opw
    if outH < 1L || outW < 1L then
        Fail.shape "%s: input %s with kernel %s, stride [%d,%d] and padding [%d,%d] gives an empty output %dx%d" op (show x) (show w) sh sw ph pw outH outW
    transposedGeometry x w (sh, sw) (ph, pw) (outH, outW)

/// Keras' "same" for Conv2DTranspose: out = in * stride. The k - stride pixels of padding are split
/// with the odd one at the top/left, which is PyTorch's (padding, output_padding) form wherever that
/// form exists (k=3, stride 2 is padding 1, output_padding 1) and extends it to every k and stride.
let convTranspose2dSame (x: int[]) (w: int[]) (sh: int, sw: int) =
    checkConvTransposeInput x w (sh, sw)
    let padBefore k s = max 0 ((k - s + 1) / 2)
    transposedGeometry x w (sh, sw) (padBefore w.[2] sh, padBefore w.[3] sw) (int64 x.[2] * int64 sh, int64 x.[3] * int64 sw)

/// TensorFlow's "same" for conv2d_transpose (what Keras' Conv2DTranspose computes): out = in * stride,
/// the gradient of a "same" conv2d, so of the k - stride pixels of padding the odd one is at the
/// bottom/right, as Padding2d.same puts it. convTranspose2dSame above puts it top/left (PyTorch's form).
let convTranspose2dSameTf (x: int[]) (w: int[]) (sh: int, sw: int) =
    checkConvTransposeInput x w (sh, sw)
    let padBefore k s = max 0 (k - s) / 2
    transposedGeometry x w (sh, sw) (padBefore w.[2] sh, padBefore w.[3] sw) (int64 x.[2] * int64 sh, int64 x.[3] * int64 sw)

/// Pooling geometry: no padding, floor mode (a partial window at the edge is dropped).
type Pool2dGeometry =
    { N: int; C: int; H: int; W: int; KH: int; KW: int; SH: int; SW: int; OH: int; OW: int }

let pool2d (op: string) (x: int[]) (kh: int, kw: int) (sh: int, sw: int) =
    requireRank op "input" 4 "NCHW: batch, channels, height, width" x
    if kh < 1 || kw < 1 then Fail.value "%s: window must be at least 1x1, got %dx%d" op kh kw
    checkStride op (sh, sw)
    if x.[2] < kh || x.[3] < kw then
        Fail.shape "%s: input %s is smaller than the %dx%d window" op (show x) kh kw
    requireFits op x (numel64 x)
    { N = x.[0]; C = x.[1]; H = x.[2]; W = x.[3]; KH = kh; KW = kw; SH = sh; SW = sw
      OH = (x.[2] - kh) / sh + 1; OW = (x.[3] - kw) / sw + 1 }
