/// A convolution followed by max pooling, fused where it pays: the forward pass pools each image's
/// convolution output while it is in cache, and a first layer's weight and bias gradients come
/// straight from the pooled gradient. Both give the bits of the separate kernels.
///
/// Forward: each image's output is made in a per-thread buffer and pooled at once, so the
/// convolution's output (four times the pooled size or more: 11 MB at the seed CNN's first layer,
/// 4 MB at its second) is never written to memory and read back.
///
/// Weight and bias gradients of a 3x3 convolution pooled by 2x2 windows of stride 2, for a layer
/// whose input needs no gradient: the route through the pooling's backward writes the whole
/// convolution gradient (three quarters zeros), sums each of its planes for the bias and feeds it
/// through a transposing pack into the GEMM; at the seed CNN's first layer that is a 15%-of-peak
/// GEMM and ~12% of a step (perf). Here each image's pooled gradient and argmax are turned so the
/// channels lie along the vector lanes, and one pass over the convolution's positions makes each
/// position's gradient for 32 channels at once (the pooled gradient where the argmax is that
/// position, else zero) and multiply-adds it onto nine tap accumulators per 16 channels. The same
/// bits as that route: each weight-gradient element is the same chain of fused multiply-adds (a
/// batch group's images in order; per image, the positions in Gemm.kBlocking's blocks, each block
/// from zero and then added onto the partial, as the micro-kernel does), the group partials are
/// added in group order, and each plane sum keeps Reduce.sum's 16 lanes and fold. A position no
/// window covers still multiplies its zero gradient, as the dense route does.
module FuncCnn.Core.Kernels.ConvPool

open FuncCnn

open FuncCnn.Core
#nowarn "9" // native pointers into pinned arrays

open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop
open FuncCnn.Core.Shape
open FuncCnn.Core.Kernels.Setup

/// Output channels per pass over the positions: two Vector512 halves.
[<Literal>]
let private Block = 32

/// Whether `forward` applies: the pooling reads the convolution's output.
let forwardApplies (g: Conv2dGeometry) (pg: Pool2dGeometry) =
    pg.N = g.N && pg.C = g.K && pg.H = g.OH && pg.W = g.OW

/// (pooled [N,K,POH,POW], argmax or null without `withArg`) of conv2d (no activation) then max
/// pooling, then with `relu` max(pooled, 0), each image pooled while in cache (see the module
/// comment); the values and argmax Conv.conv2dForwardInto, Pool.maxPool2dForward and Ops.relu
/// give. Only where `forwardApplies`.
let forward (g: Conv2dGeometry) (pg: Pool2dGeometry) (x: float32[]) (w: float32[]) (bias: float32[] option) (withArg: bool) (relu: bool) =
    if not (forwardApplies g pg) then invalidArg "pg" (sprintf "ConvPool.forward: the pooling's input %A is not the convolution's output [%d,%d,%d,%d]" [| pg.N; pg.C; pg.H; pg.W |] g.N g.K g.OH g.OW)
    Conv.withImageForward false g x w bias (fun image scratchLength ->
        Pool.maxPool2dForwardOfImages pg (Conv.worthParallel g) withArg relu scratchLength image)

/// Whether `weightAndBias` applies: the Vector512 path, a 3x3 convolution with every tap inside the image
/// (no padding, any stride), pooled by 2x2 windows moved by 2 (each position in at most one window).
let backwardApplies (g: Conv2dGeometry) (pg: Pool2dGeometry) =
    simdPath () = V512 && Avx512F.IsSupported
    && g.KH = 3 && g.KW = 3 && g.PadTop = 0 && g.PadLeft = 0
    && (g.OH - 1) * g.SH + g.KH <= g.H && (g.OW - 1) * g.SW + g.KW <= g.W
    && pg.KH = 2 && pg.KW = 2 && pg.SH = 2 && pg.SW = 2
    && pg.N = g.N && pg.C = g.K && pg.H = g.OH && pg.W = g.OW

let inline private asInts (p: nativeptr<float32>) : nativeptr<int> = NativePtr.ofNativeInt (NativePtr.toNativeInt p)

/// Per geometry, for each convolution position: where it reads the input (`XOffset`), which window
/// covers it (`WindowOf`; the window count when none does) and which of Reduce.sum's lanes takes it
/// (`LaneOf`: 16 lanes, then the last few positions from lane 0 again); for each window, its
/// top-left position (`Corner`, padded with zeros to whole vectors).
type private Tables = { XOffset: int[]; WindowOf: int[]; LaneOf: int[]; Corner: int[] }

let private tables = System.Collections.Concurrent.ConcurrentDictionary<struct (int * int * int * int * int * int * int), Tables>()

let private tablesFor (g: Conv2dGeometry) (pg: Pool2dGeometry) =
    tables.GetOrAdd(struct (g.W, g.OH, g.OW, g.SH, g.SW, pg.OH, pg.OW), fun _ ->
        let positions = g.OH * g.OW
        let windows = pg.OH * pg.OW
        let whole = positions / Reduce.Lanes * Reduce.Lanes
        { XOffset = Array.init positions (fun j -> (j / g.OW) * g.SH * g.W + (j % g.OW) * g.SW)
          WindowOf = Array.init positions (fun j ->
            let oh, ow = j / g.OW, j % g.OW
            if oh < 2 * pg.OH && ow < 2 * pg.OW then (oh / 2) * pg.OW + ow / 2 else windows)
          LaneOf = Array.init positions (fun j -> if j < whole then j % Reduce.Lanes else j - whole)
          Corner = Array.init (roundUp windows 16) (fun w -> if w < windows then 2 * (w / pg.OW) * g.OW + 2 * (w % pg.OW) else 0) })

/// Image n's pooled gradient and argmax for channels [k0, k0+32), turned: row w (a window) holds the
/// 32 channels, dyT[w] = 0 + dy (the value the dense route writes; with `reluOut`, the output of a
/// ReLU on the pooled values, 0 where that is not > 0, as Elementwise.reluBackward gives it) and relT[w] = the argmax's
/// position within its plane; lanes past the last channel hold 0 and -1 (matching no position).
/// Row `windows` (for positions no window covers) is 0 and -1 too. Fails when an argmax is not
/// inside its own window, with the pooling backward's message. 16 windows of 16 channels at a time
/// go through two 16×16 tiles at `tiles` (the values made and checked there) and are turned.
let private turn (g: Conv2dGeometry) (pg: Pool2dGeometry) (corner: nativeptr<int>) (n: int) (k0: int) (arg: nativeptr<int>) (dy: nativeptr<float32>)
                 (reluOut: nativeptr<float32>) (relT: nativeptr<int>) (dyT: nativeptr<float32>) (tiles: nativeptr<float32>) =
    let windows = pg.OH * pg.OW
    let positions = g.OH * g.OW
    let zero = Vector512<float32>.Zero
    let none = Vector512.Create -1
    let right, below, diagonal = Vector512<int>.One, Vector512.Create g.OW, Vector512.Create(g.OW + 1)
    let argBits: nativeptr<float32> = NativePtr.ofNativeInt (NativePtr.toNativeInt arg)
    let masked = not (NativePtr.isNullPtr reluOut)
    let dyTile = tiles
    let relTileBits = NativePtr.add tiles 256
    let relTile = asInts relTileBits
    let relTBits: nativeptr<float32> = NativePtr.ofNativeInt (NativePtr.toNativeInt relT)
    for half in 0 .. 1 do
        let c0 = k0 + 16 * half
        for w0 in 0 .. 16 .. windows - 1 do
            let m = tailMask (windows - w0)
            let cornerAt = Vector512.Load(NativePtr.add corner w0)
            for i in 0 .. 15 do
                if c0 + i >= g.K then
                    Vector512.Store(zero, NativePtr.add dyTile (16 * i))
                    Vector512.Store(none, NativePtr.add relTile (16 * i))
                else
                    let plane = n * g.K + c0 + i
                    let at = plane * windows + w0
                    let d = Avx512F.MaskLoad(NativePtr.add dy at, m, zero)
                    // after a ReLU on the pooled output: its gradient passes where that output is > 0
                    let d = if masked then Vector512.ConditionalSelect(Vector512.GreaterThan(Avx512F.MaskLoad(NativePtr.add reluOut at, m, zero), zero), d, zero) else d
                    let rel = Avx512F.MaskLoad(NativePtr.add argBits at, m, zero).AsInt32() - Vector512.Create(plane * positions)
                    // from the window's top-left position, its four are +0, +1, +OW and +OW+1
                    let offset = rel - cornerAt
                    let inside =
                        Vector512.Equals(offset, Vector512<int>.Zero) ||| Vector512.Equals(offset, right)
                        ||| Vector512.Equals(offset, below) ||| Vector512.Equals(offset, diagonal)
                    if not (Vector512.EqualsAll(inside ||| Vector512.OnesComplement(m.AsInt32()), Vector512<int>.AllBitsSet)) then
                        let lane = System.Numerics.BitOperations.TrailingZeroCount((Vector512.OnesComplement inside &&& m.AsInt32()).ExtractMostSignificantBits())
                        invalidArg "arg" (sprintf "maxpool backward: argmax %d of output %d is not inside its window" (NativePtr.get arg (at + lane)) (at + lane))
                    Vector512.Store(zero + d, NativePtr.add dyTile (16 * i))
                    Vector512.Store(rel, NativePtr.add relTile (16 * i))
            let rows = min 16 (windows - w0)
            Pack.transpose16 dyTile (NativePtr.add dyT (w0 * Block + 16 * half)) Block rows
            Pack.transpose16 relTileBits (NativePtr.add relTBits (w0 * Block + 16 * half)) Block rows
        Vector512.Store(zero, NativePtr.add dyT (windows * Block + 16 * half))
        Vector512.Store(none, NativePtr.add relT (windows * Block + 16 * half))

/// Asks for the cache lines of `floats` floats at p: an image's pooled gradient, argmax and ReLU
/// output are read 16 planes at a time across, an order the hardware prefetcher does not follow,
/// so each image's are fetched while the one before is worked on.
let private prefetch (p: nativeptr<float32>) (floats: int) =
    let mutable i = 0
    while i < floats do
        Sse.Prefetch0(NativePtr.toVoidPtr (NativePtr.add p i))
        i <- i + 16

/// One block of positions [p0, p1) of one image and input channel (`xc`: its plane) for the 32
/// channels of the turned tables: the nine taps' FMA chains start from zero, run over the positions
/// in order, and are then stored (`add` false) or added onto the partial rows at dst (row stride ld),
/// as the micro-kernel does with one k block. With `lanes`, each position's gradient is also added
/// to Reduce.sum's lane for it (the plane sums of the bias gradient).
let private positionBlock (p0: int) (p1: int) (xc: nativeptr<float32>) (w: int) (xOffset: nativeptr<int>) (windowOf: nativeptr<int>) (laneOf: nativeptr<int>)
                          (relT: nativeptr<int>) (dyT: nativeptr<float32>) (lanes: nativeptr<float32>) (dst: nativeptr<float32>) (ld: int) (add: bool) =
    let zero = Vector512<float32>.Zero
    let withLanes = not (NativePtr.isNullPtr lanes)
    let mutable a00 = zero
    let mutable a01 = zero
    let mutable a10 = zero
    let mutable a11 = zero
    let mutable a20 = zero
    let mutable a21 = zero
    let mutable a30 = zero
    let mutable a31 = zero
    let mutable a40 = zero
    let mutable a41 = zero
    let mutable a50 = zero
    let mutable a51 = zero
    let mutable a60 = zero
    let mutable a61 = zero
    let mutable a70 = zero
    let mutable a71 = zero
    let mutable a80 = zero
    let mutable a81 = zero
    for p in p0 .. p1 - 1 do
        let row = NativePtr.get windowOf p * Block
        let here = Vector512.Create p
        let d0 = Vector512.ConditionalSelect(Vector512.Equals(Vector512.Load(NativePtr.add relT row), here).AsSingle(), Vector512.Load(NativePtr.add dyT row), zero)
        let d1 = Vector512.ConditionalSelect(Vector512.Equals(Vector512.Load(NativePtr.add relT (row + 16)), here).AsSingle(), Vector512.Load(NativePtr.add dyT (row + 16)), zero)
        let x = NativePtr.add xc (NativePtr.get xOffset p)
        let t0 = Vector512.Create(NativePtr.get x 0)
        a00 <- Vector512.FusedMultiplyAdd(t0, d0, a00)
        a01 <- Vector512.FusedMultiplyAdd(t0, d1, a01)
        let t1 = Vector512.Create(NativePtr.get x 1)
        a10 <- Vector512.FusedMultiplyAdd(t1, d0, a10)
        a11 <- Vector512.FusedMultiplyAdd(t1, d1, a11)
        let t2 = Vector512.Create(NativePtr.get x 2)
        a20 <- Vector512.FusedMultiplyAdd(t2, d0, a20)
        a21 <- Vector512.FusedMultiplyAdd(t2, d1, a21)
        let t3 = Vector512.Create(NativePtr.get x w)
        a30 <- Vector512.FusedMultiplyAdd(t3, d0, a30)
        a31 <- Vector512.FusedMultiplyAdd(t3, d1, a31)
        let t4 = Vector512.Create(NativePtr.get x (w + 1))
        a40 <- Vector512.FusedMultiplyAdd(t4, d0, a40)
        a41 <- Vector512.FusedMultiplyAdd(t4, d1, a41)
        let t5 = Vector512.Create(NativePtr.get x (w + 2))
        a50 <- Vector512.FusedMultiplyAdd(t5, d0, a50)
        a51 <- Vector512.FusedMultiplyAdd(t5, d1, a51)
        let t6 = Vector512.Create(NativePtr.get x (2 * w))
        a60 <- Vector512.FusedMultiplyAdd(t6, d0, a60)
        a61 <- Vector512.FusedMultiplyAdd(t6, d1, a61)
        let t7 = Vector512.Create(NativePtr.get x (2 * w + 1))
        a70 <- Vector512.FusedMultiplyAdd(t7, d0, a70)
        a71 <- Vector512.FusedMultiplyAdd(t7, d1, a71)
        let t8 = Vector512.Create(NativePtr.get x (2 * w + 2))
        a80 <- Vector512.FusedMultiplyAdd(t8, d0, a80)
        a81 <- Vector512.FusedMultiplyAdd(t8, d1, a81)
        if withLanes then
            let l = NativePtr.add lanes (NativePtr.get laneOf p * Block)
            Vector512.Store(Vector512.Load l + d0, l)
            Vector512.Store(Vector512.Load(NativePtr.add l 16) + d1, NativePtr.add l 16)
    let inline put (tap: int) (lo: Vector512<float32>) (hi: Vector512<float32>) =
        let d = NativePtr.add dst (tap * ld)
        if add then
            Vector512.Store(Vector512.Load d + lo, d)
            Vector512.Store(Vector512.Load(NativePtr.add d 16) + hi, NativePtr.add d 16)
        else
            Vector512.Store(lo, d)
            Vector512.Store(hi, NativePtr.add d 16)
    put 0 a00 a01
    put 1 a10 a11
    put 2 a20 a21
    put 3 a30 a31
    put 4 a40 a41
    put 5 a50 a51
    put 6 a60 a61
    put 7 a70 a71
    put 8 a80 a81

/// (dw [K,C,3,3], db [K] or null without `withBias`) of the convolution g whose output [N,K,OH,OW]
/// was max-pooled by pg into [N,K,POH,POW], from the input x, the pooling's argmax (flat indices
/// into the convolution's output, as Pool.maxPool2dForward gives them) and the pooled gradient
/// (when `reluOut` is not null, the gradient of a ReLU's output whose values these are): bit for
/// bit what Elementwise.reluBackward, Pool.maxPool2dBackwardInto (with plane sums),
/// Conv.conv2dBackwardWeight and Conv.biasBackwardFromPlaneSums give. Only where `backwardApplies`.
let weightAndBias (g: Conv2dGeometry) (pg: Pool2dGeometry) (x: float32[]) (arg: int[]) (dyPooled: float32[]) (reluOut: float32[]) (withBias: bool) : float32[] * float32[] =
    if not (backwardApplies g pg) then invalidArg "g" "ConvPool.weightAndBias: needs the Vector512 path, a 3x3 unpadded convolution and a 2x2 stride-2 max pooling of its output"
    let positions = g.OH * g.OW
    let windows = pg.OH * pg.OW
    let taps = g.C * 9
    let imageLength = g.C * g.H * g.W
    requireFits "conv2d input" x 0 (g.N * imageLength)
    requireFits "maxpool output gradient" dyPooled 0 (g.N * g.K * windows)
    if isNull arg || arg.Length < g.N * g.K * windows then invalidArg "arg" "maxpool backward: argmax array is shorter than the output gradient"
    if not (isNull reluOut) then requireFits "relu output" reluOut 0 (g.N * g.K * windows)
    let dw = zeroed (g.K * taps)
    let planeSums = if withBias then Scratch.rent (max 1 (g.N * g.K)) else null
    if g.N > 0 && g.K > 0 && positions > 0 then
        let blocks = (g.K + Block - 1) / Block
        let ld = blocks * Block
        let groups = Conv.batchGroups g.N
        let kBlocks, kcMax = Gemm.kBlocking positions
        let partialLength = taps * ld
        let t = tablesFor g pg
        let tableLength = (windows + 1) * Block
        let scratchLength = 2 * tableLength + Reduce.Lanes * Block + 512 + AlignSlack
        use px = fixed x
        use pa = fixed arg
        use pdy = fixed dyPooled
        use pRelu = fixed reluOut
        use pOffset = fixed t.XOffset
        use pWindow = fixed t.WindowOf
        use pLane = fixed t.LaneOf
        use pCorner = fixed t.Corner
        withScratch (groups * partialLength) (fun partials ->
            use pPartials = fixed partials
            parallelForWithScratch groups (Conv.worthParallel g) scratchLength (fun scratch group ->
                use pinned = fixed scratch
                // every table row and tile on whole cache lines (straddling rows: 0.86 against 0.75 ms
                // for the seed CNN's first layer in `bench kernels`)
                let ps = align64 pinned
                let relT = asInts ps
                let dyT = NativePtr.add ps tableLength
                let lanes = NativePtr.add dyT tableLength
                let tiles = NativePtr.add lanes (Reduce.Lanes * Block)
                let partial = NativePtr.add pPartials (group * partialLength)
                let first, last = group * g.N / groups, (group + 1) * g.N / groups
                let fetch n =
                    if n < last then
                        prefetch (NativePtr.add pdy (n * g.K * windows)) (g.K * windows)
                        prefetch (NativePtr.ofNativeInt (NativePtr.toNativeInt (NativePtr.add pa (n * g.K * windows)))) (g.K * windows)
                        if not (isNull reluOut) then prefetch (NativePtr.add pRelu (n * g.K * windows)) (g.K * windows)
                fetch first
                for n in first .. last - 1 do
                    fetch (n + 1)
                    for b in 0 .. blocks - 1 do
                        let k0 = b * Block
                        turn g pg pCorner n k0 pa pdy pRelu relT dyT tiles
                        for c in 0 .. g.C - 1 do
                            let sums = withBias && c = 0
                            if sums then Pack.zeroRun lanes (Reduce.Lanes * Block)
                            let xc = NativePtr.add px (n * imageLength + c * g.H * g.W)
                            for kb in 0 .. kBlocks - 1 do
                                positionBlock (kb * kcMax) (min positions ((kb + 1) * kcMax)) xc g.W pOffset pWindow pLane relT dyT
                                              (if sums then lanes else NativePtr.nullPtr) (NativePtr.add partial (c * 9 * ld + k0)) ld (n > first || kb > 0)
                            if sums then
                                // Reduce.sum's fold of the 16 lanes, for 32 channels at once
                                let mutable width = Reduce.Lanes / 2
                                while width >= 1 do
                                    for i in 0 .. width - 1 do
                                        let l, r = NativePtr.add lanes (i * Block), NativePtr.add lanes ((i + width) * Block)
                                        Vector512.Store(Vector512.Load l + Vector512.Load r, l)
                                        Vector512.Store(Vector512.Load(NativePtr.add l 16) + Vector512.Load(NativePtr.add r 16), NativePtr.add l 16)
                                    width <- width / 2
                                for k in k0 .. min g.K (k0 + Block) - 1 do
                                    planeSums.[n * g.K + k] <- NativePtr.get lanes (k - k0))
            // the partials (dwᵀ, padded channels) in group order, turned into dw
            Conv.addPartials groups pPartials partialLength true g.K taps ld dw)
    let db =
        if not withBias then null
        else
            try Conv.biasBackwardFromPlaneSums g.N g.K planeSums
            finally Scratch.give planeSums
    dw, db
