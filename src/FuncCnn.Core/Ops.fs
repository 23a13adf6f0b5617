/// Differentiable tensor operations: elementwise arithmetic with broadcasting, reductions, shape
/// changes and matrix products. Each op computes its value with a kernel and, when an input is
/// being differentiated, records its gradient rule right beside it.
module FuncCnn.Core.Ops

open FuncCnn

open FuncCnn.Core
open System
type private TensorPrimitives = System.Numerics.Tensors.TensorPrimitives
open FuncCnn.Core.Kernels

let inline private ro (a: float32[]) = ReadOnlySpan<float32> a
let inline private sp (a: float32[]) = Span<float32> a

/// A gradient for an input that needs one, or null for one that does not.
let inline private gradIf (need: bool) ([<InlineIfLambda>] f: unit -> float32[]) = if need then f () else null

// ---------------------------------------------------------------------------------------------
// Broadcasting: the one place where a gradient is summed back to its input's shape.

/// Strides of `shape` aligned to an output of rank `rank`, 0 on broadcast dimensions.
let private broadcastStrides (shape: int[]) (outShape: int[]) =
    let rank = outShape.Length
    let s = Shape.strides shape
    Array.init rank (fun i ->
        let j = i - (rank - shape.Length)
        if j < 0 || shape.[j] = 1 then 0 else s.[j])

/// Calls `f outIndex srcIndex` for every element of `shape` in row-major order, where the source
/// index advances by `srcStrides` per dimension (0 on a broadcast one, permuted for a transpose).
let inline private forEachStrided (shape: int[]) (srcStrides: int[]) ([<InlineIfLambda>] f: int -> int -> unit) =
    let rank = shape.Length
    let idx = Array.zeroCreate rank
    let total = Shape.numel shape
    let mutable src = 0
    for o in 0 .. total - 1 do
        f o src
        // advance the multi-index like an odometer
        let mutable d = rank - 1
        let mutable carry = true
        while carry && d >= 0 do
            idx.[d] <- idx.[d] + 1
            src <- src + srcStrides.[d]
            if idx.[d] < shape.[d] then carry <- false
            else
                src <- src - srcStrides.[d] * idx.[d]
                idx.[d] <- 0
                d <- d - 1

/// Calls `f outIndex srcIndex` for every element of `outShape`, walking a source of `srcShape`.
let inline private forEachBroadcast (srcShape: int[]) (outShape: int[]) ([<InlineIfLambda>] f: int -> int -> unit) =
    forEachStrided outShape (broadcastStrides srcShape outShape) f

/// Values of `src` repeated out to `outShape`.
let private expand (src: float32[]) (srcShape: int[]) (outShape: int[]) =
    if srcShape = outShape then src
    else
        let out = Array.zeroCreate (Shape.numel outShape)
        forEachBroadcast srcShape outShape (fun o s -> out.[o] <- src.[s])
        out

/// A gradient of `outShape` summed down to `srcShape` (the adjoint of `expand`).
let private sumToShape (g: float32[]) (outShape: int[]) (srcShape: int[]) =
    if srcShape = outShape then g
    else
        let out = Array.zeroCreate (Shape.numel srcShape)
        forEachBroadcast srcShape outShape (fun o s -> out.[s] <- out.[s] + g.[o])
        out

// ---------------------------------------------------------------------------------------------
// Elementwise

/// Builds a unary op from a forward kernel and a gradient rule dx = rule(x, y, dy).
let private unary (forward: float32[] -> float32[] -> unit) (rule: float32[] -> float32[] -> float32[] -> float32[]) (x: Tensor) =
    let y = Setup.uninitialized x.Numel
    forward x.Data y
    Autodiff.record x.Dims y [| x |] (fun g -> [| rule x.Data y g |])

/// g * f(x, y) elementwise, as a fresh array.
let private scaled (f: float32 -> float32 -> float32) (x: float32[]) (y: float32[]) (g: float32[]) =
    Array.init g.Length (fun i -> g.[i] * f x.[i] y.[i])

let neg (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Negate(ro x, sp y)) (fun _ _ g -> let d = Array.zeroCreate g.Length in TensorPrimitives.Negate(ro g, sp d); d) x

let exp (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Exp(ro x, sp y)) (fun _ y g -> let d = Array.zeroCreate g.Length in TensorPrimitives.Multiply(ro g, ro y, sp d); d) x

let log (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Log(ro x, sp y)) (fun x _ g -> let d = Array.zeroCreate g.Length in TensorPrimitives.Divide(ro g, ro x, sp d); d) x

let sqrt (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Sqrt(ro x, sp y)) (scaled (fun _ y -> 0.5f / y)) x

/// x ** p for a constant exponent p.
let powScalar (p: float32) (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Pow(ro x, p, sp y)) (scaled (fun x _ -> p * MathF.Pow(x, p - 1.0f))) x

let relu (x: Tensor) =
    unary Elementwise.reluInto (fun x _ g -> Elementwise.reluBackward x g) x

let tanh (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Tanh(ro x, sp y)) (scaled (fun _ y -> 1.0f - y * y)) x

let sigmoid (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Sigmoid(ro x, sp y)) (scaled (fun _ y -> y * (1.0f - y))) x

let addScalar (c: float32) (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Add(ro x, c, sp y)) (fun _ _ g -> g) x

let mulScalar (c: float32) (x: Tensor) =
    unary (fun x y -> TensorPrimitives.Multiply(ro x, c, sp y)) (fun _ _ g -> let d = Array.zeroCreate g.Length in TensorPrimitives.Multiply(ro g, c, sp d); d) x

/// A binary op with NumPy broadcasting: `f` computes same-shape values; `da`/`db` give the
/// gradient contributions at the output's shape, which are then summed back to each input.
let private binary (name: string) (f: float32[] -> float32[] -> float32[] -> unit)
                   (da: float32[] -> float32[] -> float32[] -> float32[]) (db: float32[] -> float32[] -> float32[] -> float32[])
                   (a: Tensor) (b: Tensor) =
    let outShape = Shape.broadcast name a.Dims b.Dims
    let av = expand a.Data a.Dims outShape
    let bv = expand b.Data b.Dims outShape
    let y = Setup.uninitialized (Shape.numel outShape)
    f av bv y
    let needA, needB = Autodiff.needsGrad a, Autodiff.needsGrad b
    Autodiff.record outShape y [| a; b |] (fun g ->
        [| gradIf needA (fun () -> sumToShape (da av bv g) outShape a.Dims)
           gradIf needB (fun () -> sumToShape (db av bv g) outShape b.Dims) |])

let private negated (g: float32[]) = let d = Array.zeroCreate g.Length in TensorPrimitives.Negate(ro g, sp d); d
let private product (x: float32[]) (g: float32[]) = let d = Array.zeroCreate g.Length in TensorPrimitives.Multiply(ro g, ro x, sp d); d

let add (a: Tensor) (b: Tensor) =
    binary "add" (fun a b y -> TensorPrimitives.Add(ro a, ro b, sp y)) (fun _ _ g -> g) (fun _ _ g -> g) a b

let sub (a: Tensor) (b: Tensor) =
    binary "sub" (fun a b y -> TensorPrimitives.Subtract(ro a, ro b, sp y)) (fun _ _ g -> g) (fun _ _ g -> negated g) a b

let mul (a: Tensor) (b: Tensor) =
    binary "mul" (fun a b y -> TensorPrimitives.Multiply(ro a, ro b, sp y)) (fun _ b g -> product b g) (fun a _ g -> product a g) a b

let div (a: Tensor) (b: Tensor) =
    binary "div" (fun a b y -> TensorPrimitives.Divide(ro a, ro b, sp y))
        (fun _ b g -> Array.init g.Length (fun i -> g.[i] / b.[i]))
        (fun a b g -> Array.init g.Length (fun i -> -g.[i] * a.[i] / (b.[i] * b.[i]))) a b

// ---------------------------------------------------------------------------------------------
// Reductions

/// Sum of all elements, as a scalar (shape []).
let sum (x: Tensor) =
    let s = Setup.Reduce.sum (ro x.Data)
    Autodiff.record [||] [| s |] [| x |] (fun g -> [| Array.create x.Numel g.[0] |])

/// Mean of all elements, as a scalar.
let mean (x: Tensor) =
    if x.Numel = 0 then Fail.shape "mean: tensor of shape %s is empty" (Shape.show x.Dims)
    let n = float32 x.Numel
    let s = Setup.Reduce.sum (ro x.Data) / n
    Autodiff.record [||] [| s |] [| x |] (fun g -> [| Array.create x.Numel (g.[0] / n) |])

/// Splits a shape around an axis into (outer, size, inner) and the reduced shape.
let private aroundAxis (op: string) (x: Tensor) (axis: int) (keepDims: bool) =
    let a = Shape.normalizeAxis op x.Dims axis
    let outer = Shape.numel x.Dims.[.. a - 1]
    let inner = Shape.numel x.Dims.[a + 1 ..]
    let reduced =
        if keepDims then x.Dims |> Array.mapi (fun i d -> if i = a then 1 else d)
        else Array.append x.Dims.[.. a - 1] x.Dims.[a + 1 ..]
    outer, x.Dims.[a], inner, reduced

/// Sum along one axis (negative counts from the end).
let sumAxis (axis: int) (keepDims: bool) (x: Tensor) =
    let outer, n, inner, outShape = aroundAxis "sumAxis" x axis keepDims
    let y = Array.zeroCreate (outer * inner)
    for o in 0 .. outer - 1 do
        for k in 0 .. n - 1 do
            TensorPrimitives.Add(ReadOnlySpan(y, o * inner, inner), ReadOnlySpan(x.Data, (o * n + k) * inner, inner), Span(y, o * inner, inner))
    Autodiff.record outShape y [| x |] (fun g ->
        let dx = Array.zeroCreate x.Numel
        for o in 0 .. outer - 1 do
            for k in 0 .. n - 1 do
                Array.blit g (o * inner) dx ((o * n + k) * inner) inner
        [| dx |])

/// Mean along one axis.
let meanAxis (axis: int) (keepDims: bool) (x: Tensor) =
    let a = Shape.normalizeAxis "meanAxis" x.Dims axis
    if x.Dims.[a] = 0 then Fail.shape "meanAxis: axis %d of shape %s is empty" axis (Shape.show x.Dims)
    sumAxis a keepDims x |> mulScalar (1.0f / float32 x.Dims.[a])

/// Maximum along one axis; the gradient goes to the first maximal element.
let maxAxis (axis: int) (keepDims: bool) (x: Tensor) =
    let outer, n, inner, outShape = aroundAxis "maxAxis" x axis keepDims
    if n = 0 then Fail.shape "maxAxis: axis %d of shape %s is empty" axis (Shape.show x.Dims)
    let y = Array.zeroCreate (outer * inner)
    let arg = Array.zeroCreate (outer * inner)
    for o in 0 .. outer - 1 do
        for i in 0 .. inner - 1 do
            let mutable best = x.Data.[o * n * inner + i]
            let mutable bi = o * n * inner + i
            for k in 1 .. n - 1 do
                let j = (o * n + k) * inner + i
                if x.Data.[j] > best then
                    best <- x.Data.[j]
                    bi <- j
            y.[o * inner + i] <- best
            arg.[o * inner + i] <- bi
    Autodiff.record outShape y [| x |] (fun g ->
        let dx = Array.zeroCreate x.Numel
        for i in 0 .. g.Length - 1 do dx.[arg.[i]] <- dx.[arg.[i]] + g.[i]
        [| dx |])

// ---------------------------------------------------------------------------------------------
// Shape changes

/// The same values under a new shape; one dimension may be -1 (inferred).
let reshape (shape: int[]) (x: Tensor) =
    let unknown = shape |> Array.filter (fun d -> d = -1) |> Array.length
    if unknown > 1 || shape |> Array.exists (fun d -> d < -1) then
        Fail.shape "reshape: target shape %s may have at most one -1 and no other negative dimension" (Shape.show shape)
    let known = shape |> Array.filter (fun d -> d <> -1) |> Shape.numel
    let resolved =
        if unknown = 1 then
            if known = 0 || x.Numel % known <> 0 then
                Fail.shape "reshape: cannot reshape %s (%d elements) to %s" (Shape.show x.Dims) x.Numel (Shape.show shape)
            shape |> Array.map (fun d -> if d = -1 then x.Numel / known else d)
        else Array.copy shape
    if Shape.numel resolved <> x.Numel then
        Fail.shape "reshape: cannot reshape %s (%d elements) to %s (%d elements)" (Shape.show x.Dims) x.Numel (Shape.show resolved) (Shape.numel resolved)
    Autodiff.record resolved x.Data [| x |] (fun g -> [| g |])

/// [N, ...] → [N, product of the rest] (C, H, W order for images).
let flatten (x: Tensor) =
    if x.Rank < 1 then Fail.shape "flatten: needs at least a batch dimension, got a scalar"
    reshape [| x.Dims.[0]; -1 |] x

/// Reorders dimensions: output dimension i is input dimension perm.[i].
let permute (perm: int[]) (x: Tensor) =
    let r = x.Rank
    if perm.Length <> r || (Array.sort perm) <> Array.init r id then
        Fail.shape "permute: %A is not a permutation of the %d dimensions of %s" perm r (Shape.show x.Dims)
    let outShape = perm |> Array.map (fun p -> x.Dims.[p])
    let inStrides = Shape.strides x.Dims
    let permuteData (src: float32[]) (srcStridesInOutOrder: int[]) (shape: int[]) =
        let out = Array.zeroCreate src.Length
        forEachStrided shape srcStridesInOutOrder (fun o s -> out.[o] <- src.[s])
        out
    let y = if x.Numel = 0 then [||] else permuteData x.Data (perm |> Array.map (fun p -> inStrides.[p])) outShape
    // the inverse permutation carries the gradient back
    let inverse = Array.zeroCreate r
    perm |> Array.iteri (fun i p -> inverse.[p] <- i)
    let outStrides = Shape.strides outShape
    Autodiff.record outShape y [| x |] (fun g ->
        [| if g.Length = 0 then [||] else permuteData g (inverse |> Array.map (fun i -> outStrides.[i])) x.Dims |])

/// Swaps the two dimensions of a matrix.
let transpose (x: Tensor) =
    Shape.requireRank "transpose" "input" 2 "a matrix; use permute for other ranks" x.Dims
    permute [| 1; 0 |] x

// ---------------------------------------------------------------------------------------------
// Matrix products

/// a [m,k] · b [k,n].
let matmul (a: Tensor) (b: Tensor) =
    Shape.requireRank "matmul" "left operand" 2 "rows, columns" a.Dims
    Shape.requireRank "matmul" "right operand" 2 "rows, columns" b.Dims
    let m, k, n = a.Dims.[0], a.Dims.[1], b.Dims.[1]
    if b.Dims.[0] <> k then
        Fail.shape "matmul: %s · %s: the left operand has %d columns but the right one has %d rows" (Shape.show a.Dims) (Shape.show b.Dims) k b.Dims.[0]
    let y = Setup.uninitialized (m * n)
    Gemm.gemm false false m n k (a.Data, 0) (b.Data, 0) (y, 0) false
    let needA, needB = Autodiff.needsGrad a, Autodiff.needsGrad b
    Autodiff.record [| m; n |] y [| a; b |] (fun g ->
        [| gradIf needA (fun () -> let da = Setup.uninitialized (m * k) in Gemm.gemm false true m k n (g, 0) (b.Data, 0) (da, 0) false; da)
           gradIf needB (fun () -> let db = Setup.uninitialized (k * n) in Gemm.gemm true false k n m (a.Data, 0) (g, 0) (db, 0) false; db) |])

/// Column sums of an [m, n] matrix.
let private columnSums (m: int) (n: int) (g: float32[]) =
    let s = Setup.zeroed n
    for i in 0 .. m - 1 do
        TensorPrimitives.Add(ReadOnlySpan(s), ReadOnlySpan(g, i * n, n), Span(s))
    s

/// x [N,in] · w [in,out] + b [out], fused so the bias costs no broadcast.
let linear (x: Tensor) (w: Tensor) (b: Tensor option) =
    Shape.requireRank "linear" "input" 2 "batch, features; flatten images first" x.Dims
    Shape.requireRank "linear" "weight" 2 "in_features, out_features" w.Dims
    let m, k, n = x.Dims.[0], x.Dims.[1], w.Dims.[1]
    if w.Dims.[0] <> k then
        Fail.shape "linear: input %s has %d features but the weight %s expects %d" (Shape.show x.Dims) k (Shape.show w.Dims) w.Dims.[0]
    b |> Option.iter (fun b ->
        if b.Dims <> [| n |] then Fail.shape "linear: bias %s must have shape [%d] to match the weight %s" (Shape.show b.Dims) n (Shape.show w.Dims))
    let y = if b.IsSome then Setup.uninitialized (m * n) else Setup.zeroed (m * n)
    match b with
    | Some b -> for i in 0 .. m - 1 do Array.blit b.Data 0 y (i * n) n
    | None -> ()
    Gemm.gemm false false m n k (x.Data, 0) (w.Data, 0) (y, 0) b.IsSome
    let inputs = match b with Some b -> [| x; w; b |] | None -> [| x; w |]
    let needs = inputs |> Array.map Autodiff.needsGrad
    Autodiff.record [| m; n |] y inputs (fun g ->
        [| gradIf needs.[0] (fun () -> let dx = Setup.uninitialized (m * k) in Gemm.gemm false true m k n (g, 0) (w.Data, 0) (dx, 0) false; dx)
           gradIf needs.[1] (fun () -> let dw = Setup.uninitialized (k * n) in Gemm.gemm true false k n m (x.Data, 0) (g, 0) (dw, 0) false; dw)
           if inputs.Length = 3 then gradIf needs.[2] (fun () -> columnSums m n g) |])
