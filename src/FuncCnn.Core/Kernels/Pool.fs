/// 2-D max and average pooling kernels over NCHW float32 arrays (no padding, floor mode).
/// Planes (one channel of one image) are independent: threads take fixed runs of planes, and
/// each plane is visited in the same order as a plain loop would, so the bits never change.
module FuncCnn.Core.Kernels.Pool

open FuncCnn

open FuncCnn.Core
#nowarn "9" // native pointers into pinned arrays

open System
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop
open FuncCnn.Core.Shape
open FuncCnn.Core.Kernels.Setup

/// Planes per parallel piece: about 16K input elements, so a piece is worth a thread hop.
let private planesPerPiece (g: Pool2dGeometry) = max 1 (16384 / max 1 (g.H * g.W))

/// Runs body on each run of planes [first, last), in parallel when there is enough work.
let private forPlaneRuns (g: Pool2dGeometry) (body: int -> int -> unit) =
    let planes = g.N * g.C
    let per = planesPerPiece g
    let pieces = (planes + per - 1) / per
    parallelFor pieces (int64 planes * int64 (g.H * g.W) >= 200_000L) (fun piece ->
        body (piece * per) (min planes ((piece + 1) * per)))

/// Scalar max pooling of one plane: the reference order (first max wins, a NaN always wins).
let private maxPlaneScalar (g: Pool2dGeometry) (xin: nativeptr<float32>) (yo: nativeptr<float32>) (ao: nativeptr<int>) (baseIndex: int) =
    for oh in 0 .. g.OH - 1 do
        for ow in 0 .. g.OW - 1 do
            let start = oh * g.SH * g.W + ow * g.SW
            let mutable best = NativePtr.get xin start
            let mutable bi = start
            for ki in 0 .. g.KH - 1 do
                let row = start + ki * g.W
                for kj in (if ki = 0 then 1 else 0) .. g.KW - 1 do
                    let v = NativePtr.get xin (row + kj)
                    if v > best || Single.IsNaN v then
                        best <- v
                        bi <- row + kj
            let o = oh * g.OW + ow
            NativePtr.set yo o best
            if not (NativePtr.isNullPtr ao) then NativePtr.set ao o (baseIndex + bi)

/// Window origins (offset within a plane) of every output of a plane, padded to a multiple of 8
/// with the last origin so whole vectors can always be gathered.
let private windowOrigins (g: Pool2dGeometry) =
    let planeOut = g.OH * g.OW
    let padded = roundUp planeOut 8
    Array.init padded (fun o ->
        let o = min o (planeOut - 1)
        (o / g.OW) * g.SH * g.W + (o % g.OW) * g.SW)

/// Max pooling of one plane, eight outputs at a time: each window tap is one gather, and the
/// running max and argmax are updated with compare-and-select (no branches to mispredict).
/// Lane by lane it makes exactly the choices maxPlaneScalar makes.
let private maxPlaneGather (g: Pool2dGeometry) (origins: nativeptr<int>) (xin: nativeptr<float32>) (yo: nativeptr<float32>) (ao: nativeptr<int>) (baseIndex: int) =
    let planeOut = g.OH * g.OW
    let baseVec = Vector256.Create baseIndex
    let tail = NativePtr.stackalloc<float32> 8
    let tailArg = NativePtr.stackalloc<int> 8
    let withArg = not (NativePtr.isNullPtr ao)
    let mutable o = 0
    while o < planeOut do
        let origin = Vector256.Load(NativePtr.add origins o)
        let mutable best = Avx2.GatherVector256(xin, origin, 4uy)
        let mutable bi = origin
        for ki in 0 .. g.KH - 1 do
            for kj in (if ki = 0 then 1 else 0) .. g.KW - 1 do
                let idx = origin + Vector256.Create(ki * g.W + kj)
                let v = Avx2.GatherVector256(xin, idx, 4uy)
                let take = Vector256.GreaterThan(v, best) ||| Vector256.OnesComplement(Vector256.Equals(v, v))
                best <- Vector256.ConditionalSelect(take, v, best)
                bi <- Vector256.ConditionalSelect(take.AsInt32(), idx, bi)
        let arg = bi + baseVec
        if o + 8 <= planeOut then
            Vector256.Store(best, NativePtr.add yo o)
            if withArg then Vector256.Store(arg, NativePtr.add ao o)
        else
            Vector256.Store(best, tail)
            Vector256.Store(arg, tailArg)
            for t in 0 .. planeOut - o - 1 do
                NativePtr.set yo (o + t) (NativePtr.get tail t)
                if withArg then NativePtr.set ao (o + t) (NativePtr.get tailArg t)
        o <- o + 8

/// The even and the odd elements of 16 consecutive floats (two vectors), each in order.
let inline private deinterleave (lo: Vector256<float32>) (hi: Vector256<float32>) =
    // per 128-bit lane: [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6], then the middle 64-bit pairs swapped
    let e = Avx.Shuffle(lo, hi, 0b10_00_10_00uy)
    let o = Avx.Shuffle(lo, hi, 0b11_01_11_01uy)
    struct (Avx2.Permute4x64(e.AsDouble(), 0b11_01_10_00uy).AsSingle(), Avx2.Permute4x64(o.AsDouble(), 0b11_01_10_00uy).AsSingle())

/// 2x2 windows moved by 2 (the usual pooling), eight outputs at a time without gathers: two rows
/// are loaded as vectors and split into even and odd columns, then the four taps are compared in
/// maxPlaneScalar's order with its rule (greater, or NaN), so the choices are the same.
/// `readable` is how many floats may be read from xin (the vector loads run past a row's end
/// into the next row, never past the array).
let private maxPlane2x2 (g: Pool2dGeometry) (xin: nativeptr<float32>) (readable: int) (yo: nativeptr<float32>) (ao: nativeptr<int>) (baseIndex: int) =
    let withArg = not (NativePtr.isNullPtr ao)
    let tail = NativePtr.stackalloc<float32> 8
    let tailArg = NativePtr.stackalloc<int> 8
    let lanes2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14)
    let inline take (v: Vector256<float32>) (best: Vector256<float32>) =
        Vector256.GreaterThan(v, best) ||| Vector256.OnesComplement(Vector256.Equals(v, v))
    for oh in 0 .. g.OH - 1 do
        let r0 = oh * 2 * g.W
        let r1 = r0 + g.W
        let mutable ow = 0
        while ow < g.OW do
            let c = 2 * ow
            if r1 + c + 16 <= readable then
                let struct (a, b) = deinterleave (Vector256.Load(NativePtr.add xin (r0 + c))) (Vector256.Load(NativePtr.add xin (r0 + c + 8)))
                let struct (cc, d) = deinterleave (Vector256.Load(NativePtr.add xin (r1 + c))) (Vector256.Load(NativePtr.add xin (r1 + c + 8)))
                let t1 = take b a
                let best = Vector256.ConditionalSelect(t1, b, a)
                let t2 = take cc best
                let best = Vector256.ConditionalSelect(t2, cc, best)
                let t3 = take d best
                let best = Vector256.ConditionalSelect(t3, d, best)
                let o = oh * g.OW + ow
                let whole = ow + 8 <= g.OW
                Vector256.Store(best, if whole then NativePtr.add yo o else tail)
                if withArg then
                    // the index of the tap each choice above took: a, b (a+1), c, or d (c+1)
                    let ia = lanes2 + Vector256.Create(baseIndex + r0 + c)
                    let ic = lanes2 + Vector256.Create(baseIndex + r1 + c)
                    let one = Vector256.Create 1
                    let bi = Vector256.ConditionalSelect(t1.AsInt32(), ia + one, ia)
                    let bi = Vector256.ConditionalSelect(t2.AsInt32(), ic, bi)
                    let bi = Vector256.ConditionalSelect(t3.AsInt32(), ic + one, bi)
                    Vector256.Store(bi, if whole then NativePtr.add ao o else tailArg)
                if not whole then
                    for t in 0 .. g.OW - ow - 1 do
                        NativePtr.set yo (o + t) (NativePtr.get tail t)
                        if withArg then NativePtr.set ao (o + t) (NativePtr.get tailArg t)
                ow <- ow + 8
            else
                // the last few windows of the array: maxPlaneScalar's loop for one window
                let start = r0 + c
                let mutable best = NativePtr.get xin start
                let mutable bi = start
                for idx in [| start + 1; r1 + c; r1 + c + 1 |] do
                    let v = NativePtr.get xin idx
                    if v > best || Single.IsNaN v then
                        best <- v
                        bi <- idx
                let o = oh * g.OW + ow
                NativePtr.set yo o best
                if withArg then NativePtr.set ao o (baseIndex + bi)
                ow <- ow + 1

/// maxPlane2x2 sixteen outputs at a time on AVX-512: each row pair is read with masked loads (never
/// past the windows, so no tail copy and no `readable` bound) and split into even and odd columns
/// with two-source permutes; the same comparisons in the same order, so the same choices.
let private maxPlane2x2x16 (g: Pool2dGeometry) (xin: nativeptr<float32>) (yo: nativeptr<float32>) (ao: nativeptr<int>) (baseIndex: int) =
    let withArg = not (NativePtr.isNullPtr ao)
    let even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
    let odd = even + Vector512<int>.One
    let inline take (v: Vector512<float32>) (best: Vector512<float32>) =
        Vector512.GreaterThan(v, best) ||| Vector512.OnesComplement(Vector512.Equals(v, v))
    let inline split (row: nativeptr<float32>) (low: Vector512<float32>) (high: Vector512<float32>) =
        let lo = Avx512F.MaskLoad(row, low, Vector512<float32>.Zero)
        let hi = Avx512F.MaskLoad(NativePtr.add row 16, high, Vector512<float32>.Zero)
        struct (Avx512F.PermuteVar16x32x2(lo, even, hi), Avx512F.PermuteVar16x32x2(lo, odd, hi))
    for oh in 0 .. g.OH - 1 do
        let r0 = oh * 2 * g.W
        let r1 = r0 + g.W
        let mutable ow = 0
        while ow < g.OW do
            let valid = min 16 (g.OW - ow)
            let c = 2 * ow
            let low, high = tailMask (2 * valid), tailMask (2 * valid - 16)
            let struct (a, b) = split (NativePtr.add xin (r0 + c)) low high
            let struct (cc, d) = split (NativePtr.add xin (r1 + c)) low high
            let t1 = take b a
            let best = Vector512.ConditionalSelect(t1, b, a)
            let t2 = take cc best
            let best = Vector512.ConditionalSelect(t2, cc, best)
            let t3 = take d best
            let best = Vector512.ConditionalSelect(t3, d, best)
            let o = oh * g.OW + ow
            let outputs = tailMask valid
            Avx512F.MaskStore(NativePtr.add yo o, outputs, best)
            if withArg then
                // the index of the tap each choice above took: a, b (a+1), c, or d (c+1)
                let ia = even + Vector512.Create(baseIndex + r0 + c)
                let ic = even + Vector512.Create(baseIndex + r1 + c)
                let bi = Vector512.ConditionalSelect(t1.AsInt32(), ia + Vector512<int>.One, ia)
                let bi = Vector512.ConditionalSelect(t2.AsInt32(), ic, bi)
                let bi = Vector512.ConditionalSelect(t3.AsInt32(), ic + Vector512<int>.One, bi)
                Avx512F.MaskStore(NativePtr.add ao o, outputs.AsInt32(), bi)
            ow <- ow + 16

/// Which max-pooling plane kernel runs under the current settings.
type private MaxKernel =
    | Sixteen
    | TwoByTwo
    | Gather
    | Plain

let private maxKernelFor (g: Pool2dGeometry) =
    let vector = Avx2.IsSupported && simdPath () <> Scalar
    let twoByTwo = vector && g.KH = 2 && g.KW = 2 && g.SH = 2 && g.SW = 2
    if twoByTwo && simdPath () = V512 && Avx512F.IsSupported then Sixteen
    elif twoByTwo then TwoByTwo
    elif vector then Gather
    else Plain

/// Max pooling of `count` planes of the batch from `first` on, read from xin (plane `first` at xin,
/// `readable` floats from there), into y and (unless null) the argmax as flat indices into the
/// whole batch's input: the same values and indices wherever the planes are read from.
let private maxPlanes (g: Pool2dGeometry) (kind: MaxKernel) (origins: nativeptr<int>) (xin: nativeptr<float32>) (readable: int)
                      (first: int) (count: int) (py: nativeptr<float32>) (pa: nativeptr<int>) =
    let planeIn, planeOut = g.H * g.W, g.OH * g.OW
    for i in 0 .. count - 1 do
        let pl = first + i
        let x = NativePtr.add xin (i * planeIn)
        let yo = NativePtr.add py (pl * planeOut)
        let ao = if NativePtr.isNullPtr pa then NativePtr.nullPtr else NativePtr.add pa (pl * planeOut)
        match kind with
        | Sixteen -> maxPlane2x2x16 g x yo ao (pl * planeIn)
        | TwoByTwo -> maxPlane2x2 g x (readable - i * planeIn) yo ao (pl * planeIn)
        | Gather -> maxPlaneGather g origins x yo ao (pl * planeIn)
        | Plain -> maxPlaneScalar g x yo ao (pl * planeIn)

/// Max pooling of x into y and, unless `arg` is null, the flat input index of each maximum; the
/// planes split over threads when `split` (and big enough), else all on the calling thread.
let private maxPoolInto (g: Pool2dGeometry) (x: float32[]) (y: float32[]) (arg: int[]) (split: bool) =
    let planeIn, planeOut = g.H * g.W, g.OH * g.OW
    let planes = g.N * g.C
    requireFits "maxpool input" x 0 (planes * planeIn)
    requireFits "maxpool output" y 0 (planes * planeOut)
    if planes * planeOut > 0 then
        let kind = maxKernelFor g
        let origins = if kind = Gather then windowOrigins g else [||]
        use px = fixed x
        use py = fixed y
        use pa = fixed arg
        use po = fixed origins
        let run first last = maxPlanes g kind po (NativePtr.add px (first * planeIn)) (x.Length - first * planeIn) first (last - first) py pa
        if split then forPlaneRuns g run else run 0 planes

/// Max pooling of a batch whose images are made one at a time: `image n dst scratch` writes image n
/// [C,H,W] at dst (a per-thread buffer, with `scratchLength` more floats of scratch after it), which
/// is pooled at once, while it is in that core's cache; the images never go to memory. Returns y
/// and, when `withArg`, the argmax (flat indices into the whole batch), as maxPool2dForward would
/// from the whole batch; with `relu`, y is then max(y, 0) (TensorPrimitives.Max, as Ops.relu),
/// taken on each image's outputs while they are in cache. Images split over threads when `split`.
let maxPool2dForwardOfImages (g: Pool2dGeometry) (split: bool) (withArg: bool) (relu: bool) (scratchLength: int) (image: int -> nativeint -> nativeint -> unit) =
    let planeIn, planeOut = g.H * g.W, g.OH * g.OW
    let y = uninitialized (g.N * g.C * planeOut)
    let arg = if withArg then uninitializedInts y.Length else null
    if y.Length > 0 then
        let kind = maxKernelFor g
        let origins = if kind = Gather then windowOrigins g else [||]
        let imageLength = g.C * planeIn
        use py = fixed y
        use pa = fixed arg
        use po = fixed origins
        parallelForWithScratch g.N split (imageLength + scratchLength + 2 * AlignSlack) (fun buffer n ->
            use pinned = fixed buffer
            let dst = align64 pinned
            image n (NativePtr.toNativeInt dst) (NativePtr.toNativeInt (align64 (NativePtr.add dst imageLength)))
            maxPlanes g kind po dst imageLength (n * g.C) g.C py pa
            if relu then
                let outputs = Span<float32>(NativePtr.toVoidPtr (NativePtr.add py (n * g.C * planeOut)), g.C * planeOut)
                Numerics.Tensors.TensorPrimitives.Max(Span<float32>.op_Implicit outputs, 0.0f, outputs))
    y, arg

/// y [N,C,OH,OW] and, for each output, the flat input index of its maximum (first one on ties;
/// a NaN wins, the last NaN of the window if several).
let maxPool2dForward (g: Pool2dGeometry) (x: float32[]) : float32[] * int[] =
    let y = uninitialized (g.N * g.C * g.OH * g.OW)
    let arg = uninitializedInts y.Length
    maxPoolInto g x y arg true
    y, arg

/// maxPool2dForward's y without the argmax, for passes that never go backward (prediction,
/// evaluation): the same values, without computing and storing the indices.
let maxPool2dForwardValues (g: Pool2dGeometry) (x: float32[]) : float32[] =
    let y = uninitialized (g.N * g.C * g.OH * g.OW)
    maxPoolInto g x y null true
    y

/// maxPool2dForwardValues into the first N*C*OH*OW elements of y, on the calling thread (for a
/// caller that already runs one piece of work per core).
let maxPool2dValuesInto (g: Pool2dGeometry) (x: float32[]) (y: float32[]) = maxPoolInto g x y null false

/// dx of one plane of a 2x2 stride-2 max pool in one pass (AVX2): every dx element is written once,
/// as 0 + dy of its window when it was the window's maximum, else 0, instead of zeroing the plane
/// and then scattering. Four outputs at a time: each dy and argmax is spread over its two columns
/// and compared with the two rows' flat indices. Fails if an argmax is not inside its own window.
let private maxBackwardPlane2x2 (g: Pool2dGeometry) (dyp: nativeptr<float32>) (ap: nativeptr<int>) (dxp: nativeptr<float32>) (baseIndex: int) =
    let spread = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3)
    let columns = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7)
    let whole = g.OW / 4 * 4
    let lost o = invalidArg "arg" (sprintf "maxpool backward: argmax %d of output %d is not inside its window" (NativePtr.get ap o) (baseIndex / (g.H * g.W) * g.OH * g.OW + o))
    for oh in 0 .. g.OH - 1 do
        let top = NativePtr.add dxp (2 * oh * g.W)
        let bottom = NativePtr.add top g.W
        let topIndex = baseIndex + 2 * oh * g.W
        let mutable ow = 0
        while ow < whole do
            let o = oh * g.OW + ow
            let d = Vector256.Zero + Avx2.PermuteVar8x32(Vector128.Load(NativePtr.add dyp o).ToVector256Unsafe(), spread)
            let a = Avx2.PermuteVar8x32(Vector128.Load(NativePtr.add ap o).ToVector256Unsafe(), spread)
            let index = Vector256.Create(topIndex + 2 * ow) + columns
            let inTop = Vector256.Equals(a, index)
            let inBottom = Vector256.Equals(a, index + Vector256.Create g.W)
            // each output matches at most one of its four inputs: four matches means none went astray
            if Numerics.BitOperations.PopCount(inTop.ExtractMostSignificantBits()) + Numerics.BitOperations.PopCount(inBottom.ExtractMostSignificantBits()) <> 4 then
                for k in o .. o + 3 do
                    let i = NativePtr.get ap k - baseIndex
                    if i < 0 || i / g.W / 2 <> oh || i % g.W / 2 <> k - oh * g.OW then lost k
            Vector256.Store(Vector256.ConditionalSelect(inTop.AsSingle(), d, Vector256<float32>.Zero), NativePtr.add top (2 * ow))
            Vector256.Store(Vector256.ConditionalSelect(inBottom.AsSingle(), d, Vector256<float32>.Zero), NativePtr.add bottom (2 * ow))
            ow <- ow + 4
        for ow in whole .. g.OW - 1 do
            let o = oh * g.OW + ow
            let i = NativePtr.get ap o - topIndex - 2 * ow
            if i <> 0 && i <> 1 && i <> g.W && i <> g.W + 1 then lost o
            let d = 0.0f + NativePtr.get dyp o
            NativePtr.set top (2 * ow) (if i = 0 then d else 0.0f)
            NativePtr.set top (2 * ow + 1) (if i = 1 then d else 0.0f)
            NativePtr.set bottom (2 * ow) (if i = g.W then d else 0.0f)
            NativePtr.set bottom (2 * ow + 1) (if i = g.W + 1 then d else 0.0f)
        // an odd last column is in no window
        for iw in 2 * g.OW .. g.W - 1 do
            NativePtr.set top iw 0.0f
            NativePtr.set bottom iw 0.0f
    // an odd last row is in no window
    Pack.zeroRun (NativePtr.add dxp (2 * g.OH * g.W)) ((g.H - 2 * g.OH) * g.W)

/// maxBackwardPlane2x2 eight outputs (sixteen columns) at a time on AVX-512, a row's last few with
/// masked loads and stores: every dx element written once, as 0 + dy of its window when it was the
/// window's maximum, else 0. Fails if an argmax is not inside its own window.
let private maxBackwardPlane2x2x8 (g: Pool2dGeometry) (dyp: nativeptr<float32>) (ap: nativeptr<int>) (dxp: nativeptr<float32>) (baseIndex: int) =
    let spread = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7)
    let lost o = invalidArg "arg" (sprintf "maxpool backward: argmax %d of output %d is not inside its window" (NativePtr.get ap o) (baseIndex / (g.H * g.W) * g.OH * g.OW + o))
    for oh in 0 .. g.OH - 1 do
        let top = NativePtr.add dxp (2 * oh * g.W)
        let bottom = NativePtr.add top g.W
        let topIndex = baseIndex + 2 * oh * g.W
        let mutable ow = 0
        while ow < g.OW do
            let valid = min 8 (g.OW - ow)
            let o = oh * g.OW + ow
            let outputs, columns = tailMask valid, tailMask (2 * valid)
            let d = Vector512<float32>.Zero + Avx512F.PermuteVar16x32(Avx512F.MaskLoad(NativePtr.add dyp o, outputs, Vector512<float32>.Zero), spread)
            let a = Avx512F.PermuteVar16x32(Avx512F.MaskLoad(NativePtr.add ap o, outputs.AsInt32(), Vector512<int>.Zero), spread)
            let index = Vector512.Create(topIndex + 2 * ow) + laneIndex
            let inTop = Vector512.Equals(a, index) &&& columns.AsInt32()
            let inBottom = Vector512.Equals(a, index + Vector512.Create g.W) &&& columns.AsInt32()
            // each output matches at most one of its four inputs: `valid` matches means none went astray
            if Numerics.BitOperations.PopCount(inTop.ExtractMostSignificantBits()) + Numerics.BitOperations.PopCount(inBottom.ExtractMostSignificantBits()) <> valid then
                for k in o .. o + valid - 1 do
                    let i = NativePtr.get ap k - baseIndex
                    if i < 0 || i / g.W / 2 <> oh || i % g.W / 2 <> k - oh * g.OW then lost k
            Avx512F.MaskStore(NativePtr.add top (2 * ow), columns, Vector512.ConditionalSelect(inTop.AsSingle(), d, Vector512<float32>.Zero))
            Avx512F.MaskStore(NativePtr.add bottom (2 * ow), columns, Vector512.ConditionalSelect(inBottom.AsSingle(), d, Vector512<float32>.Zero))
            ow <- ow + 8
        // an odd last column is in no window
        for iw in 2 * g.OW .. g.W - 1 do
            NativePtr.set top iw 0.0f
            NativePtr.set bottom iw 0.0f
    // an odd last row is in no window
    Pack.zeroRun (NativePtr.add dxp (2 * g.OH * g.W)) ((g.H - 2 * g.OH) * g.W)

/// dx into `dx`: each output's gradient goes to the input that was its maximum (argmax always lies
/// in the output's own plane, so plane runs never collide). When `planeSums` is given, each dx
/// plane's Reduce.sum goes there too, taken while the plane is still in cache (what the bias
/// gradient of a convolution before the pooling needs).
let private maxBackwardInto (g: Pool2dGeometry) (arg: int[]) (dy: float32[]) (dx: float32[]) (planeSums: float32[]) =
    let planeIn, planeOut = g.H * g.W, g.OH * g.OW
    requireFits "maxpool output gradient" dy 0 (g.N * g.C * planeOut)
    if isNull arg || arg.Length < dy.Length then invalidArg "arg" "maxpool backward: argmax array is shorter than the output gradient"
    if dx.Length > 0 then
        use pdx = fixed dx
        use pdy = fixed dy
        use pa = fixed arg
        let twoByTwo = Avx2.IsSupported && simdPath () <> Scalar && g.KH = 2 && g.KW = 2 && g.SH = 2 && g.SW = 2
        let eight = twoByTwo && simdPath () = V512 && Avx512F.IsSupported
        forPlaneRuns g (fun first last ->
            if twoByTwo then
                for pl in first .. last - 1 do
                    let dyp, ap, dxp = NativePtr.add pdy (pl * planeOut), NativePtr.add pa (pl * planeOut), NativePtr.add pdx (pl * planeIn)
                    if eight then maxBackwardPlane2x2x8 g dyp ap dxp (pl * planeIn)
                    else maxBackwardPlane2x2 g dyp ap dxp (pl * planeIn)
                    if not (isNull planeSums) then planeSums.[pl] <- Reduce.sum (ReadOnlySpan<float32>(dx, pl * planeIn, planeIn))
            else
                Pack.zeroRun (NativePtr.add pdx (first * planeIn)) ((last - first) * planeIn)
                let lo, hi = first * planeIn, last * planeIn
                for o in first * planeOut .. last * planeOut - 1 do
                    let i = NativePtr.get pa o
                    if i < lo || i >= hi then invalidArg "arg" (sprintf "maxpool backward: argmax %d of output %d lies outside its plane" i o)
                    NativePtr.set pdx i (NativePtr.get pdx i + NativePtr.get pdy o)
                if not (isNull planeSums) then
                    for pl in first .. last - 1 do planeSums.[pl] <- Reduce.sum (ReadOnlySpan<float32>(dx, pl * planeIn, planeIn)))

/// dx: each output's gradient goes to the input that was its maximum.
let maxPool2dBackward (g: Pool2dGeometry) (arg: int[]) (dy: float32[]) : float32[] =
    let dx = uninitialized (g.N * g.C * g.H * g.W)
    maxBackwardInto g arg dy dx null
    dx

/// maxPool2dBackward into a given dx (its first N*C*H*W elements); with Some planeSums [N*C], also
/// each dx plane's Reduce.sum there.
let maxPool2dBackwardInto (g: Pool2dGeometry) (arg: int[]) (dy: float32[]) (dx: float32[]) (planeSums: float32[] option) =
    requireFits "maxpool input gradient" dx 0 (g.N * g.C * g.H * g.W)
    planeSums |> Option.iter (fun sums -> requireFits "maxpool plane sums" sums 0 (g.N * g.C))
    maxBackwardInto g arg dy dx (Option.toObj planeSums)

let avgPool2dForward (g: Pool2dGeometry) (x: float32[]) : float32[] =
    let planeIn, planeOut = g.H * g.W, g.OH * g.OW
    requireFits "avgpool input" x 0 (g.N * g.C * planeIn)
    let y = uninitialized (g.N * g.C * planeOut)
    let scale = 1.0f / float32 (g.KH * g.KW)
    if y.Length > 0 then
        use px = fixed x
        use py = fixed y
        forPlaneRuns g (fun first last ->
            for pl in first .. last - 1 do
                let xin = NativePtr.add px (pl * planeIn)
                let yo = NativePtr.add py (pl * planeOut)
                for oh in 0 .. g.OH - 1 do
                    for ow in 0 .. g.OW - 1 do
                        let start = oh * g.SH * g.W + ow * g.SW
                        let mutable s = 0.0f
                        for ki in 0 .. g.KH - 1 do
                            let row = NativePtr.add xin (start + ki * g.W)
                            for kj in 0 .. g.KW - 1 do
                                s <- s + NativePtr.get row kj
                        NativePtr.set yo (oh * g.OW + ow) (s * scale))
    y

let avgPool2dBackward (g: Pool2dGeometry) (dy: float32[]) : float32[] =
    let planeIn, planeOut = g.H * g.W, g.OH * g.OW
    requireFits "avgpool output gradient" dy 0 (g.N * g.C * planeOut)
    let dx = uninitialized (g.N * g.C * planeIn)
    let scale = 1.0f / float32 (g.KH * g.KW)
    if dx.Length > 0 then
        use pdx = fixed dx
        use pdy = fixed dy
        forPlaneRuns g (fun first last ->
            Pack.zeroRun (NativePtr.add pdx (first * planeIn)) ((last - first) * planeIn)
            for pl in first .. last - 1 do
                let dxp = NativePtr.add pdx (pl * planeIn)
                let dyp = NativePtr.add pdy (pl * planeOut)
                for oh in 0 .. g.OH - 1 do
                    for ow in 0 .. g.OW - 1 do
                        let d = NativePtr.get dyp (oh * g.OW + ow) * scale
                        let start = oh * g.SH * g.W + ow * g.SW
                        for ki in 0 .. g.KH - 1 do
                            let row = NativePtr.add dxp (start + ki * g.W)
                            for kj in 0 .. g.KW - 1 do
                                NativePtr.set row kj (NativePtr.get row kj + d))
    dx
