/// A direct stride-1 convolution for layers whose receptive field C*KH*KW is small (a first layer
/// on grayscale images: 1x3x3 = 9). There the GEMM route spends its time packing a k of 9, so this
/// kernel instead keeps up to four vectors of one output row in registers and streams the taps
/// over a zero-padded copy of the image. Each output is bias + the taps in (c, ki, kj) order as
/// fused multiply-adds, on every SIMD path alike, so the bits never depend on the path or threads.
module FuncCnn.Core.Kernels.DirectConv

open FuncCnn

open FuncCnn.Core
#nowarn "9" // native pointers into pinned arrays

open System
open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop
open FuncCnn.Core.Shape
open FuncCnn.Core.Kernels.Setup

/// Largest receptive field (C*KH*KW) this kernel takes; above it the GEMM route is faster.
[<Literal>]
let MaxTaps = 32

/// Whether the direct kernel handles this geometry (decided by the shapes alone).
let applies (g: Conv2dGeometry) =
    g.SH = 1 && g.SW = 1 && g.C * g.KH * g.KW <= MaxTaps && g.OW >= 8

/// Padded plane size: every row holds 8*ceil(OW/8) + KW - 1 columns so whole vectors can be read.
let private paddedDims (g: Conv2dGeometry) =
    let vectors = (g.OW + 7) / 8
    g.OH + g.KH - 1, vectors * 8 + g.KW - 1

/// Copies image x [C,H,W] into zeroed planes [C, hp, wp] shifted by the top/left padding.
let private pad (g: Conv2dGeometry) (x: nativeptr<float32>) (dst: nativeptr<float32>) (hp: int) (wp: int) =
    Pack.zeroRun dst (g.C * hp * wp)
    let cols = min g.W (wp - g.PadLeft)
    for c in 0 .. g.C - 1 do
        for ih in 0 .. g.H - 1 do
            let r = ih + g.PadTop
            if r >= 0 && r < hp then
                let src = NativePtr.add x ((c * g.H + ih) * g.W)
                let d = NativePtr.add dst ((c * hp + r) * wp)
                // a negative left padding (never made by the shape rules) would need a source offset
                Pack.copyRun src (NativePtr.add d g.PadLeft) cols

/// One output row segment of up to four vectors (32 columns) starting at column `col0`.
let private rowSegment256 (g: Conv2dGeometry) (planes: nativeptr<float32>) (hp: int) (wp: int)
                          (w: nativeptr<float32>) (k: int) (oh: int) (col0: int) (b: float32) (relu: bool) (out: nativeptr<float32>) =
    let mutable a0 = Vector256.Create b
    let mutable a1 = a0
    let mutable a2 = a0
    let mutable a3 = a0
    let taps = g.C * g.KH * g.KW
    let wk = NativePtr.add w (k * taps)
    let mutable t = 0
    for c in 0 .. g.C - 1 do
        for ki in 0 .. g.KH - 1 do
            let row = NativePtr.add planes ((c * hp + oh + ki) * wp + col0)
            for kj in 0 .. g.KW - 1 do
                let wv = Vector256.Create(NativePtr.get wk t)
                let src = NativePtr.add row kj
                a0 <- Vector256.FusedMultiplyAdd(Vector256.Load src, wv, a0)
                a1 <- Vector256.FusedMultiplyAdd(Vector256.Load(NativePtr.add src 8), wv, a1)
                a2 <- Vector256.FusedMultiplyAdd(Vector256.Load(NativePtr.add src 16), wv, a2)
                a3 <- Vector256.FusedMultiplyAdd(Vector256.Load(NativePtr.add src 24), wv, a3)
                t <- t + 1
    if relu then
        a0 <- Vector256.Max(a0, Vector256<float32>.Zero)
        a1 <- Vector256.Max(a1, Vector256<float32>.Zero)
        a2 <- Vector256.Max(a2, Vector256<float32>.Zero)
        a3 <- Vector256.Max(a3, Vector256<float32>.Zero)
    Vector256.Store(a0, out)
    Vector256.Store(a1, NativePtr.add out 8)
    Vector256.Store(a2, NativePtr.add out 16)
    Vector256.Store(a3, NativePtr.add out 24)

/// Four output channels' row segments (32 columns each) at once on Vector512, from one load of
/// the input per tap: eight independent FMA chains keep both FMA units busy where rowSegment256's
/// four chains wait on each other. Each output is the same chain as rowSegment256's (bias, then the
/// taps in order), so the bits are the same. Channel i's segment goes to out + i*outStride.
let private rowSegment512x4 (g: Conv2dGeometry) (planes: nativeptr<float32>) (hp: int) (wp: int) (w: nativeptr<float32>) (k: int)
                            (oh: int) (col0: int) (b: nativeptr<float32>) (relu: bool) (out: nativeptr<float32>) (outStride: int) =
    let taps = g.C * g.KH * g.KW
    let mutable a0 = Vector512.Create(NativePtr.get b 0)
    let mutable a1 = a0
    let mutable b0 = Vector512.Create(NativePtr.get b 1)
    let mutable b1 = b0
    let mutable c0 = Vector512.Create(NativePtr.get b 2)
    let mutable c1 = c0
    let mutable d0 = Vector512.Create(NativePtr.get b 3)
    let mutable d1 = d0
    let wa = NativePtr.add w (k * taps)
    let wb = NativePtr.add wa taps
    let wc = NativePtr.add wb taps
    let wd = NativePtr.add wc taps
    let mutable t = 0
    for c in 0 .. g.C - 1 do
        for ki in 0 .. g.KH - 1 do
            let row = NativePtr.add planes ((c * hp + oh + ki) * wp + col0)
            for kj in 0 .. g.KW - 1 do
                let src = NativePtr.add row kj
                let x0 = Vector512.Load src
                let x1 = Vector512.Load(NativePtr.add src 16)
                let va = Vector512.Create(NativePtr.get wa t)
                a0 <- Vector512.FusedMultiplyAdd(x0, va, a0)
                a1 <- Vector512.FusedMultiplyAdd(x1, va, a1)
                let vb = Vector512.Create(NativePtr.get wb t)
                b0 <- Vector512.FusedMultiplyAdd(x0, vb, b0)
                b1 <- Vector512.FusedMultiplyAdd(x1, vb, b1)
                let vc = Vector512.Create(NativePtr.get wc t)
                c0 <- Vector512.FusedMultiplyAdd(x0, vc, c0)
                c1 <- Vector512.FusedMultiplyAdd(x1, vc, c1)
                let vd = Vector512.Create(NativePtr.get wd t)
                d0 <- Vector512.FusedMultiplyAdd(x0, vd, d0)
                d1 <- Vector512.FusedMultiplyAdd(x1, vd, d1)
                t <- t + 1
    if relu then
        let z = Vector512<float32>.Zero
        a0 <- Vector512.Max(a0, z); a1 <- Vector512.Max(a1, z)
        b0 <- Vector512.Max(b0, z); b1 <- Vector512.Max(b1, z)
        c0 <- Vector512.Max(c0, z); c1 <- Vector512.Max(c1, z)
        d0 <- Vector512.Max(d0, z); d1 <- Vector512.Max(d1, z)
    Vector512.Store(a0, out)
    Vector512.Store(a1, NativePtr.add out 16)
    let ob = NativePtr.add out outStride
    Vector512.Store(b0, ob)
    Vector512.Store(b1, NativePtr.add ob 16)
    let oc = NativePtr.add ob outStride
    Vector512.Store(c0, oc)
    Vector512.Store(c1, NativePtr.add oc 16)
    let od = NativePtr.add oc outStride
    Vector512.Store(d0, od)
    Vector512.Store(d1, NativePtr.add od 16)

/// The same sums one column at a time (the scalar path): identical bits to the vector path.
let private rowSegmentScalar (g: Conv2dGeometry) (planes: nativeptr<float32>) (hp: int) (wp: int)
                             (w: nativeptr<float32>) (k: int) (oh: int) (col0: int) (b: float32) (relu: bool) (out: nativeptr<float32>) =
    let taps = g.C * g.KH * g.KW
    let wk = NativePtr.add w (k * taps)
    for j in 0 .. 31 do
        let mutable acc = b
        let mutable t = 0
        for c in 0 .. g.C - 1 do
            for ki in 0 .. g.KH - 1 do
                let row = NativePtr.add planes ((c * hp + oh + ki) * wp + col0 + j)
                for kj in 0 .. g.KW - 1 do
                    acc <- MathF.FusedMultiplyAdd(NativePtr.get row kj, NativePtr.get wk t, acc)
                    t <- t + 1
        NativePtr.set out j (if relu then MathF.Max(acc, 0.0f) else acc)

/// The per-thread scratch one image needs: its padded planes, a segment tile and four biases.
let private planeDims (g: Conv2dGeometry) =
    let hp, wp0 = paddedDims g
    // segments are 32 columns wide: pad rows so the last segment's reads stay inside
    let segments = (g.OW + 31) / 32
    hp, max wp0 (segments * 32 + g.KW - 1)

/// Floats of scratch forwardImage needs.
let imageScratchLength (g: Conv2dGeometry) =
    let hp, wp = planeDims g
    g.C * hp * wp + 4 * 32 + 4

/// Image n's output [K,OH,OW] = conv(x, w) (+ bias), then max(0, y) when `relu`, written at `out`
/// (only there: K*OH*OW floats), with `scratch` (imageScratchLength floats) for its padded planes.
let forwardImage (g: Conv2dGeometry) (px: nativeptr<float32>) (pw: nativeptr<float32>) (bias: float32[] option) (relu: bool)
                 (n: int) (scratch: nativeptr<float32>) (out: nativeptr<float32>) =
    let hp, wp = planeDims g
    let segments = (g.OW + 31) / 32
    let p = g.OH * g.OW
    let path = simdPath ()
    let scalar = path = Scalar
    // Vector512: channels four at a time (the rest one by one below)
    let quads = if path = V512 then g.K / 4 else 0
    let planes = scratch
    let tile = NativePtr.add scratch (g.C * hp * wp)
    let biases = NativePtr.add tile (4 * 32)
    pad g (NativePtr.add px (n * g.C * g.H * g.W)) planes hp wp
    let imageEnd = g.K * p
    for q in 0 .. quads - 1 do
        let k = 4 * q
        for i in 0 .. 3 do NativePtr.set biases i (match bias with Some b -> b.[k + i] | None -> 0.0f)
        for oh in 0 .. g.OH - 1 do
            let rowStart = k * p + oh * g.OW
            for s in 0 .. segments - 1 do
                let col0 = s * 32
                // A short segment may run on into its channel's next rows, written later, as long
                // as it stays in its plane (the next plane of the four is already written).
                if col0 + 32 <= g.OW || oh * g.OW + col0 + 32 <= p then
                    rowSegment512x4 g planes hp wp pw k oh col0 biases relu (NativePtr.add out (rowStart + col0)) p
                else
                    rowSegment512x4 g planes hp wp pw k oh col0 biases relu tile 32
                    for i in 0 .. 3 do Pack.copyRun (NativePtr.add tile (32 * i)) (NativePtr.add out (rowStart + i * p + col0)) (g.OW - col0)
    for k in 4 * quads .. g.K - 1 do
        let b = match bias with Some b -> b.[k] | None -> 0.0f
        for oh in 0 .. g.OH - 1 do
            let rowStart = k * p + oh * g.OW
            let yrow = NativePtr.add out rowStart
            for s in 0 .. segments - 1 do
                let col0 = s * 32
                // A short last segment may run on into the rows after it, which this loop writes
                // later anyway, as long as it stays inside this image's output (another thread
                // writes the next image); only there does it go through the tile.
                let whole = col0 + 32 <= g.OW || rowStart + col0 + 32 <= imageEnd
                let dst = if whole then NativePtr.add yrow col0 else tile
                // direct calls, not a function value: a 10-argument closure call would allocate
                if scalar then rowSegmentScalar g planes hp wp pw k oh col0 b relu dst
                else rowSegment256 g planes hp wp pw k oh col0 b relu dst
                if not whole then Pack.copyRun tile (NativePtr.add yrow col0) (g.OW - col0)
