/// 2-D convolution (cross-correlation) kernels over NCHW float32 arrays: the packed GEMM
/// macro-kernel with the weight packed once per call, and the image packed straight into the
/// GEMM's panels on AVX-512 where ConvPack applies (else im2col into a per-thread scratch buffer).
/// Images are independent in forward and backward-input, so threads take whole images; the
/// weight gradient sums over the batch in a fixed partition (groups of images chosen from N
/// alone), each group into its own partial, the partials added in group order: the bits never
/// depend on the thread count.
module FuncCnn.Core.Kernels.Conv

open FuncCnn

open FuncCnn.Core
#nowarn "9" // native pointers into pinned arrays

open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop
open FuncCnn.Core.Shape
open FuncCnn.Core.Kernels.Setup

/// Output columns [owLo, owHi) whose input column ow*SW - PadLeft + kj lies inside the image.
/// A struct pair: it is called once per filter tap per image (a reference tuple here was 1.2 MB of
/// garbage per convolution call at the seed CNN's second layer).
let private validColumns (g: Conv2dGeometry) (kj: int) : struct (int * int) =
    let iw0 = kj - g.PadLeft
    let lo = if iw0 >= 0 then 0 else (-iw0 + g.SW - 1) / g.SW
    let hi = if g.W - 1 - iw0 < 0 then 0 else (g.W - 1 - iw0) / g.SW + 1
    let hi = min g.OW hi
    struct (min lo hi, hi)

/// cols [C*KH*KW, OH*OW] (row-major) from one image x [C,H,W]; out-of-image taps are zero.
let private im2col (g: Conv2dGeometry) (x: nativeptr<float32>) (cols: nativeptr<float32>) =
    let p = g.OH * g.OW
    for c in 0 .. g.C - 1 do
        let plane = NativePtr.add x (c * g.H * g.W)
        for ki in 0 .. g.KH - 1 do
            for kj in 0 .. g.KW - 1 do
                let row = NativePtr.add cols (((c * g.KH + ki) * g.KW + kj) * p)
                let struct (lo, hi) = validColumns g kj
                let iw0 = kj - g.PadLeft
                for oh in 0 .. g.OH - 1 do
                    let ih = oh * g.SH - g.PadTop + ki
                    let d = NativePtr.add row (oh * g.OW)
                    if ih < 0 || ih >= g.H then Pack.zeroRun d g.OW
                    else
                        let src = NativePtr.add plane (ih * g.W + iw0)
                        Pack.zeroRun d lo
                        if g.SW = 1 then Pack.copyRun (NativePtr.add src lo) (NativePtr.add d lo) (hi - lo)
                        else
                            for ow in lo .. hi - 1 do NativePtr.set d ow (NativePtr.get src (ow * g.SW))
                        Pack.zeroRun (NativePtr.add d hi) (g.OW - hi)

/// Adds cols [C*KH*KW, OH*OW] back into one image dx [C,H,W] (taps outside the image are dropped).
let private col2im (g: Conv2dGeometry) (cols: nativeptr<float32>) (dx: nativeptr<float32>) =
    let p = g.OH * g.OW
    for c in 0 .. g.C - 1 do
        let plane = NativePtr.add dx (c * g.H * g.W)
        for ki in 0 .. g.KH - 1 do
            for kj in 0 .. g.KW - 1 do
                let row = NativePtr.add cols (((c * g.KH + ki) * g.KW + kj) * p)
                let struct (lo, hi) = validColumns g kj
                let iw0 = kj - g.PadLeft
                for oh in 0 .. g.OH - 1 do
                    let ih = oh * g.SH - g.PadTop + ki
                    if ih >= 0 && ih < g.H then
                        let dst = NativePtr.add plane (ih * g.W + iw0)
                        let s = NativePtr.add row (oh * g.OW)
                        if g.SW = 1 then Pack.addRun (NativePtr.add s lo) (NativePtr.add dst lo) (hi - lo)
                        else
                            for ow in lo .. hi - 1 do
                                let i = ow * g.SW
                                NativePtr.set dst i (NativePtr.get dst i + NativePtr.get s ow)

/// col2im for stride-1 layers on AVX-512, written the other way round: each row of dx is summed in
/// registers from the KH*KW cols rows that reach it (masked loads; lanes a tap does not reach add
/// zero) and stored once, instead of read-modify-writing short runs of dx tap by tap, whose
/// overlapping stores stall. The taps are added in col2im's (ki, kj) order onto +0, so every
/// element gets the same bits (a sum that starts at +0 never becomes -0, so adding 0 is exact).
/// The cols rows are `ld` floats apart.
let private col2imByRows (g: Conv2dGeometry) (ld: int) (cols: nativeptr<float32>) (dx: nativeptr<float32>) =
    let zero = Vector512<float32>.Zero
    // which lanes each kj reaches in the current 16 columns, worked out once per block of columns
    // (not once per tap and row: 90 of ~130 instructions per row of the seed CNN's second layer)
    let reachesOf = NativePtr.stackalloc<Vector512<float32>> g.KW
    let mutable iw0 = 0
    while iw0 < g.W do
        let iw = Vector512.Create iw0 + laneIndex
        let inRow = Vector512.LessThan(iw, Vector512.Create g.W)
        for kj in 0 .. g.KW - 1 do
            let ow = iw + Vector512.Create(g.PadLeft - kj)
            let reaches = inRow &&& Vector512.GreaterThanOrEqual(ow, zero.AsInt32()) &&& Vector512.LessThan(ow, Vector512.Create g.OW)
            NativePtr.set reachesOf kj (reaches.AsSingle())
        let whole = iw0 + 16 <= g.W
        for c in 0 .. g.C - 1 do
            let plane = NativePtr.add cols (c * g.KH * g.KW * ld + iw0)
            for ih in 0 .. g.H - 1 do
                let mutable acc = zero
                for ki in 0 .. g.KH - 1 do
                    let oh = ih + g.PadTop - ki
                    if oh >= 0 && oh < g.OH then
                        let row = NativePtr.add plane (ki * g.KW * ld + oh * g.OW + g.PadLeft)
                        for kj in 0 .. g.KW - 1 do
                            acc <- acc + Avx512F.MaskLoad(NativePtr.add row (kj * ld - kj), NativePtr.get reachesOf kj, zero)
                let at = NativePtr.add dx ((c * g.H + ih) * g.W + iw0)
                if whole then Vector512.Store(acc, at) else Avx512F.MaskStore(at, inRow.AsSingle(), acc)
        iw0 <- iw0 + 16

/// Each array must hold at least the elements the geometry implies (the kernels use raw pointers).
let private checkLengths (pairs: (string * float32[] * int) list) =
    for what, arr, need in pairs do requireFits what arr 0 need

/// Packs all of op(A) (rows × k, strided view) k block by k block: block b starts at b * blockLength.
/// The blocks' strips in a few pieces over the cores: on the caller alone this was ~0.1 ms of each
/// seed-CNN step (conv2's weight, forward and transposed) while the other core waited.
let private packWholeA (a: nativeptr<float32>) (rs: int) (cs: int) (rows: int) (k: int) (dst: nativeptr<float32>) =
    let blocks, kcMax = Gemm.kBlocking k
    let blockLength = Gemm.packedLength rows MR kcMax
    let strips = (rows + MR - 1) / MR
    let pieces = min strips 4
    parallelFor (blocks * pieces) (int64 rows * int64 k >= 16_384L) (fun piece ->
        let kb, part = piece / pieces, piece % pieces
        let s0, s1 = part * strips / pieces, (part + 1) * strips / pieces
        let p0, i0 = kb * kcMax, s0 * MR
        let kc = min kcMax (k - p0)
        Pack.packA (NativePtr.add a (p0 * cs + i0 * rs)) rs cs (min rows (s1 * MR) - i0) kc (NativePtr.add dst (kb * blockLength + s0 * kc * MR)))
    blockLength

/// Multiply-adds above which a convolution is split across threads.
let internal worthParallel (g: Conv2dGeometry) =
    int64 g.N * int64 g.K * int64 (g.OH * g.OW) * int64 (g.C * g.KH * g.KW) >= Gemm.ParallelThreshold

/// Prepares conv(x [N,C,H,W], w [K,C,KH,KW]) (+ bias [K]), then max(0, ·) when `relu`, image by
/// image, and calls `run image scratchLength`: `image n out scratch` writes image n's output
/// [K,OH,OW] at `out` (nothing else), using `scratch` (scratchLength floats of its own; one buffer
/// per thread). The weight is packed once and stays pinned while `run` runs, so `image` may only be
/// called inside it. The direct kernel where it applies; else the packed GEMM, the image packed
/// straight into the GEMM's panels where ConvPack applies (else im2col into the scratch).
let withImageForward (relu: bool) (g: Conv2dGeometry) (x: float32[]) (w: float32[]) (bias: float32[] option) (run: (int -> nativeint -> nativeint -> unit) -> int -> 'a) : 'a =
    let p = g.OH * g.OW
    let kk = g.C * g.KH * g.KW
    checkLengths [ "conv2d input", x, g.N * g.C * g.H * g.W; "conv2d weight", w, g.K * kk ]
    let biasArr = defaultArg bias [||]
    if bias.IsSome then requireFits "conv2d bias" biasArr 0 g.K
    use px = fixed x
    use pwSrc = fixed w
    if DirectConv.applies g then
        run (fun n out scratch -> DirectConv.forwardImage g px pwSrc bias relu n (NativePtr.ofNativeInt scratch) (NativePtr.ofNativeInt out))
            (DirectConv.imageScratchLength g)
    else
        let path = simdPath ()
        let nr = nrOf path
        let blocks, kcMax = Gemm.kBlocking kk
        // Straight from the image into packed strips where the Vector512 plan applies; else im2col.
        let direct = if path = V512 then ConvPack.planFor g else ValueNone
        let colsLength = if direct.IsSome then 0 else kk * p
        use pbias = fixed biasArr
        // each k block's tap offsets, for packing straight from the image
        let taps = match direct with ValueSome _ -> Array.init blocks (fun kb -> ConvPack.tapOffsets g (kb * kcMax) (min kcMax (kk - kb * kcMax))) | ValueNone -> [||]
        withScratch (blocks * Gemm.packedLength g.K MR kcMax) (fun packedW ->
            use pw = fixed packedW
            let wBlock = packWholeA pwSrc kk 1 g.K kk pw
            let image (n: int) (out: nativeint) (scratch: nativeint) =
                let cols: nativeptr<float32> = NativePtr.ofNativeInt scratch
                let packedB = Setup.align64 (NativePtr.add cols colsLength)
                let yn: nativeptr<float32> = NativePtr.ofNativeInt out
                let xn = NativePtr.add px (n * g.C * g.H * g.W)
                if direct.IsNone then im2col g xn cols
                // The bias is the starting value of each output row; the GEMM adds onto it.
                if bias.IsSome then
                    for k in 0 .. g.K - 1 do Pack.fillRun (NativePtr.add yn (k * p)) p (NativePtr.get pbias k)
                for kb in 0 .. blocks - 1 do
                    let p0 = kb * kcMax
                    let kc = min kcMax (kk - p0)
                    let accumulate = bias.IsSome || kb > 0
                    match direct with
                    | ValueSome plan ->
                        // a strip at a time, used while it is in L1 (the same FMAs in the same order)
                        use pTaps = fixed taps.[kb]
                        for s in 0 .. plan.Strips - 1 do
                            ConvPack.packStrips plan pTaps kc xn s 1 packedB
                            Gemm.macroKernel path kc (NativePtr.add pw (kb * wBlock)) g.K packedB (min ConvPack.StripWidth (p - s * ConvPack.StripWidth)) (NativePtr.add yn (s * ConvPack.StripWidth)) p accumulate
                    | ValueNone ->
                        Pack.packB (NativePtr.add cols (p0 * p)) p 1 kc p nr packedB
                        Gemm.macroKernel path kc (NativePtr.add pw (kb * wBlock)) g.K packedB p yn p accumulate
                if relu then
                    let out = System.Span<float32>(NativePtr.toVoidPtr yn, g.K * p)
                    System.Numerics.Tensors.TensorPrimitives.Max(System.ReadOnlySpan<float32>(NativePtr.toVoidPtr yn, g.K * p), 0.0f, out)
            run image (colsLength + Gemm.packedLength p nr kcMax + Setup.AlignSlack))

/// Writes y [N,K,OH,OW] = conv(x [N,C,H,W], w [K,C,KH,KW]) (+ bias [K]), then max(0, y) when `relu`
/// (applied while each image's output is still in cache, saving a pass and an array), into the
/// first N*K*OH*OW elements of `y`. `mayParallelize`: whether the images may be split across threads
/// (when big enough); a caller that already runs one call per core passes false.
let conv2dForwardInto (relu: bool) (mayParallelize: bool) (g: Conv2dGeometry) (x: float32[]) (w: float32[]) (bias: float32[] option) (y: float32[]) =
    let p = g.OH * g.OW
    checkLengths [ "conv2d output", y, g.N * g.K * p ]
    let split = mayParallelize && worthParallel g
    withImageForward relu g x w bias (fun image scratchLength ->
        if g.N * g.K * p > 0 then
            use py = fixed y
            parallelForWithScratch g.N split scratchLength (fun scratch n ->
                use ps = fixed scratch
                image n (NativePtr.toNativeInt (NativePtr.add py (n * g.K * p))) (NativePtr.toNativeInt ps)))

/// y [N,K,OH,OW] = conv(x [N,C,H,W], w [K,C,KH,KW]) (+ bias [K]), then max(0, y) when `relu`, in a
/// new array (from the step's workspace when one is active); see conv2dForwardInto.
let conv2dForwardFused (relu: bool) (g: Conv2dGeometry) (x: float32[]) (w: float32[]) (bias: float32[] option) : float32[] =
    let y = uninitialized (g.N * g.K * g.OH * g.OW)
    conv2dForwardInto relu true g x w bias y
    y

/// y [N,K,OH,OW] = conv(x [N,C,H,W], w [K,C,KH,KW]) (+ bias [K]).
let conv2dForward (g: Conv2dGeometry) (x: float32[]) (w: float32[]) (bias: float32[] option) : float32[] =
    conv2dForwardFused false g x w bias

/// dx [N,C,H,W] from dy [N,K,OH,OW] and w: per image, cols = wᵀ·dy, then col2im.
let conv2dBackwardInput (g: Conv2dGeometry) (dy: float32[]) (w: float32[]) : float32[] =
    let p = g.OH * g.OW
    let kk = g.C * g.KH * g.KW
    let imageLength = g.C * g.H * g.W
    checkLengths [ "conv2d output gradient", dy, g.N * g.K * p; "conv2d weight", w, g.K * kk ]
    let dx = uninitialized (g.N * imageLength)
    if dx.Length > 0 then
        let path = simdPath ()
        let nr = nrOf path
        let blocks, kcMax = Gemm.kBlocking g.K
        let byRows = path = V512 && X86.Avx512F.IsSupported && g.SH = 1 && g.SW = 1
        // For col2imByRows, cols rows padded to whole strips and starting on cache lines: every
        // tile is then a whole one, stored with aligned stores (121 positions: the last strip's
        // tiles went through a stack tile and a masked merge). The padding columns come from B's
        // zero columns and are never read.
        let ld = if byRows then roundUp p nr else p
        let colsLength = kk * ld
        use pdx = fixed dx
        use pdy = fixed dy
        use pwSrc = fixed w
        withScratch (blocks * Gemm.packedLength kk MR kcMax) (fun packedWt ->
            use pw = fixed packedWt
            // op(A) = wᵀ: element (i, k) of the kk×K view is w[k*kk + i].
            let wBlock = packWholeA pwSrc 1 kk kk g.K pw
            parallelForWithScratch g.N (worthParallel g) (colsLength + Gemm.packedLength p nr kcMax + 2 * Setup.AlignSlack) (fun scratch n ->
                use pinned = fixed scratch
                let cols = Setup.align64 pinned
                let packedB = Setup.align64 (NativePtr.add cols colsLength)
                let dyn = NativePtr.add pdy (n * g.K * p)
                let dxn = NativePtr.add pdx (n * imageLength)
                if kk > 0 && p > 0 then
                    for kb in 0 .. blocks - 1 do
                        let p0 = kb * kcMax
                        let kc = min kcMax (g.K - p0)
                        Pack.packB (NativePtr.add dyn (p0 * p)) p 1 kc p nr packedB
                        Gemm.macroKernel path kc (NativePtr.add pw (kb * wBlock)) kk packedB ld cols ld (kb > 0)
                if byRows then col2imByRows g ld cols dxn
                else
                    Pack.zeroRun dxn imageLength
                    col2im g cols dxn))
    dx

/// Images per weight-gradient partial: a function of N only, so the summation order is fixed.
let internal batchGroups (n: int) = max 1 (min n 16)

/// dw [K, kk] from per-group partials `partialLength` floats apart, each partial `kk` rows of `ld`
/// floats holding dwᵀ when `transposed`, else K rows of kk: every element is 0 plus the groups'
/// values in group order, so the sum is the same on any number of threads. Rows split over threads
/// (one thread took ~1% of a seed-CNN step here while the other waited).
let internal addPartials (groups: int) (partials: nativeptr<float32>) (partialLength: int) (transposed: bool) (k: int) (kk: int) (ld: int) (dw: float32[]) =
    requireFits "weight gradient" dw 0 (k * kk)
    let rows = if transposed then kk else k
    let pieces = min rows 8
    use pdw = fixed dw
    parallelForWithScratch pieces (int64 groups * int64 rows * int64 ld >= 100_000L) ld (fun scratch piece ->
        use total = fixed scratch
        for r in piece * rows / pieces .. (piece + 1) * rows / pieces - 1 do
            Pack.zeroRun total ld
            for group in 0 .. groups - 1 do
                Pack.addRun (NativePtr.add partials (group * partialLength + r * ld)) total ld
            if transposed then
                for c in 0 .. k - 1 do NativePtr.set pdw (c * kk + r) (NativePtr.get total c)
            else Pack.copyRun total (NativePtr.add pdw (r * kk)) kk)

/// conv2dBackwardWeight on AVX-512 where every tap lies inside the image and the positions form one
/// k block: dwᵀ = Σₙ colsₙ · dyₙᵀ with A's rows the image's taps read in place (tile512Taps) and
/// dyₙᵀ packed 32 channels a strip, so nothing of the image is packed (its transposed im2col was 7%
/// of a training step, and 4.5 times the floats of dyᵀ at the seed CNN's second layer). Every
/// element is the same FMA chain over the positions as on the other paths (products commute), and
/// the partials are added in the same order: the same bits.
let private backwardWeightFromImage (g: Conv2dGeometry) (x: float32[]) (dy: float32[]) (dw: float32[]) =
    let p = g.OH * g.OW
    let kk = g.C * g.KH * g.KW
    let imageLength = g.C * g.H * g.W
    let dwLength = g.K * kk
    let groups = batchGroups g.N
    let channelStrips = (g.K + 31) / 32
    let tapStrips = (kk + MR - 1) / MR
    // Pieces are (group, 32-channel strip), cut further into tap slices only where that leaves
    // fewer than 32 pieces, too coarse to keep both cores busy to the end (each slice packs its
    // strip of dyᵀ again). At the seed CNN's second layer: 16 groups × 2 strips, timed faster
    // (step 9.15-9.21 ms) than with each piece halved (9.16-9.56 ms).
    let tapSlices = max 1 (min tapStrips (32 / (groups * channelStrips)))
    let jump = g.SH * g.W - g.OW * g.SW
    use px = fixed x
    use pdy = fixed dy
    use pTaps = fixed (ConvPack.tapOffsets g 0 kk)
    withScratch (groups * dwLength) (fun partials ->
        use pPartials = fixed partials
        parallelForWithScratch (groups * channelStrips * tapSlices) (worthParallel g) (p * 32 + AlignSlack) (fun scratch piece ->
            let group = piece / (channelStrips * tapSlices)
            let strip, slice = piece / tapSlices % channelStrips, piece % tapSlices
            let s0, s1 = slice * tapStrips / tapSlices, (slice + 1) * tapStrips / tapSlices
            let j0 = strip * 32
            let cols = min 32 (g.K - j0)
            use ps = fixed scratch
            let packedB = align64 ps
            let partial = NativePtr.add pPartials (group * dwLength)
            let first, last = group * g.N / groups, (group + 1) * g.N / groups
            for n in first .. last - 1 do
                // B(q, j) = dy[n, j0 + j, q]
                Pack.packB (NativePtr.add pdy ((n * g.K + j0) * p)) 1 p p cols 32 packedB
                let xn = NativePtr.add px (n * imageLength)
                for s in s0 .. s1 - 1 do
                    let r0 = s * MR
                    MicroKernel.tile512Taps (NativePtr.add pTaps r0) (min MR (kk - r0)) xn g.OH g.OW g.SW jump
                                            packedB (NativePtr.add partial (r0 * g.K + j0)) g.K cols (n > first))
        addPartials groups pPartials dwLength true g.K kk g.K dw)

/// dw [K,C,KH,KW] from x and dy: Σ over images of dy_n · colsₙᵀ. Both operands run along
/// positions, so one of them needs a transposing pack; the one with fewer rows becomes A (the
/// slower pack, and the side whose padding to 6 rows wastes less). With few filter taps (a first
/// layer) that is cols, and the partials hold dwᵀ. On AVX-512, layers with every tap inside the
/// image read cols in place instead (backwardWeightFromImage).
let conv2dBackwardWeight (g: Conv2dGeometry) (x: float32[]) (dy: float32[]) : float32[] =
    let p = g.OH * g.OW
    let kk = g.C * g.KH * g.KW
    let imageLength = g.C * g.H * g.W
    checkLengths [ "conv2d input", x, g.N * imageLength; "conv2d output gradient", dy, g.N * g.K * p ]
    let dwLength = g.K * kk
    let dw = zeroed dwLength
    let path = simdPath ()
    let blocks, kcMax = Gemm.kBlocking p
    if dwLength = 0 || g.N = 0 || p = 0 then ()
    elif path = V512 && Avx512F.IsSupported && blocks = 1 && ConvPack.tapsInside g then backwardWeightFromImage g x dy dw
    else
        let nr = nrOf path
        let transposed = kk < g.K
        let rows, cols = if transposed then kk, g.K else g.K, kk
        let packedALength = Gemm.packedLength rows MR kcMax
        let groups = batchGroups g.N
        use px = fixed x
        use pdy = fixed dy
        withScratch (groups * dwLength) (fun partials ->
            use pPartials = fixed partials
            parallelForWithScratch groups (worthParallel g) (kk * p + packedALength + Gemm.packedLength cols nr kcMax + Setup.AlignSlack) (fun scratch group ->
                use pcols = fixed scratch
                let packedA = NativePtr.add pcols (kk * p)
                let packedB = Setup.align64 (NativePtr.add packedA packedALength)
                let partial = NativePtr.add pPartials (group * dwLength)
                let first, last = group * g.N / groups, (group + 1) * g.N / groups
                for n in first .. last - 1 do
                    im2col g (NativePtr.add px (n * imageLength)) pcols
                    let dyn = NativePtr.add pdy (n * g.K * p)
                    let a, b = if transposed then pcols, dyn else dyn, pcols
                    for kb in 0 .. blocks - 1 do
                        let p0 = kb * kcMax
                        let kc = min kcMax (p - p0)
                        // op(B)(position, j) = b[j*p + position]: a transposing pack
                        Pack.packB (NativePtr.add b p0) 1 p kc cols nr packedB
                        // A's rows run along positions (read in place where the micro-kernel can)
                        Gemm.macroKernelStridedA path kc (NativePtr.add a p0) p 1 rows packedB cols partial cols (n > first || kb > 0) packedA)
            addPartials groups pPartials dwLength transposed g.K kk (if transposed then g.K else kk) dw)
    dw

/// db [K] from each (image, channel) plane's Reduce.sum [N*K]: per channel, the planes' sums
/// added in image order. The one fold of every bias gradient, so a caller that takes the plane sums
/// elsewhere (the pooling's backward) gets the bits biasBackward gives.
let biasBackwardFromPlaneSums (n: int) (k: int) (planeSums: float32[]) : float32[] =
    requireFits "bias gradient plane sums" planeSums 0 (n * k)
    Array.init k (fun c ->
        let mutable s = 0.0f
        for i in 0 .. n - 1 do s <- s + planeSums.[i * k + c]
        s)

/// db [K]: dy summed over batch and positions (per channel: images in order, positions in order).
let biasBackward (n: int) (k: int) (p: int) (dy: float32[]) : float32[] =
    requireFits "bias gradient" dy 0 (n * k * p)
    withScratch (n * k) (fun planeSums ->
        parallelFor k (int64 n * int64 k * int64 p >= 1_000_000L) (fun c ->
            for i in 0 .. n - 1 do
                planeSums.[i * k + c] <- Reduce.sum (System.ReadOnlySpan<float32>(dy, (i * k + c) * p, p)))
        biasBackwardFromPlaneSums n k planeSums)
