/// 2-D convolution (cross-correlation) kernels over NCHW float32 arrays, via im2col and GEMM.
module FuncCnn.Kernels.Conv

open FuncCnn.Shape

/// cols [C*KH*KW, OH*OW] for image n.
let private im2col (g: Conv2dGeometry) (x: float32[]) (n: int) (cols: float32[]) =
    let p = g.OH * g.OW
    for c in 0 .. g.C - 1 do
        for ki in 0 .. g.KH - 1 do
            for kj in 0 .. g.KW - 1 do
                let row = ((c * g.KH + ki) * g.KW + kj) * p
                for oh in 0 .. g.OH - 1 do
                    let ih = oh * g.SH - g.PadTop + ki
                    for ow in 0 .. g.OW - 1 do
                        let iw = ow * g.SW - g.PadLeft + kj
                        cols.[row + oh * g.OW + ow] <-
                            if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W then x.[((n * g.C + c) * g.H + ih) * g.W + iw] else 0.0f

/// Adds cols [C*KH*KW, OH*OW] back into image n of dx.
let private col2im (g: Conv2dGeometry) (cols: float32[]) (n: int) (dx: float32[]) =
    let p = g.OH * g.OW
    for c in 0 .. g.C - 1 do
        for ki in 0 .. g.KH - 1 do
            for kj in 0 .. g.KW - 1 do
                let row = ((c * g.KH + ki) * g.KW + kj) * p
                for oh in 0 .. g.OH - 1 do
                    let ih = oh * g.SH - g.PadTop + ki
                    if ih >= 0 && ih < g.H then
                        for ow in 0 .. g.OW - 1 do
                            let iw = ow * g.SW - g.PadLeft + kj
                            if iw >= 0 && iw < g.W then
                                let i = ((n * g.C + c) * g.H + ih) * g.W + iw
                                dx.[i] <- dx.[i] + cols.[row + oh * g.OW + ow]

/// y [N,K,OH,OW] = conv(x [N,C,H,W], w [K,C,KH,KW]) (+ bias [K]).
let conv2dForward (g: Conv2dGeometry) (x: float32[]) (w: float32[]) (bias: float32[] option) : float32[] =
    let p = g.OH * g.OW
    let kk = g.C * g.KH * g.KW
    let y = Array.zeroCreate (g.N * g.K * p)
    let cols = Array.zeroCreate (kk * p)
    for n in 0 .. g.N - 1 do
        im2col g x n cols
        Gemm.gemm false false g.K p kk (w, 0) (cols, 0) (y, n * g.K * p) false
        match bias with
        | Some b -> for k in 0 .. g.K - 1 do for i in 0 .. p - 1 do y.[(n * g.K + k) * p + i] <- y.[(n * g.K + k) * p + i] + b.[k]
        | None -> ()
    y

/// dx [N,C,H,W] from dy [N,K,OH,OW] and w.
let conv2dBackwardInput (g: Conv2dGeometry) (dy: float32[]) (w: float32[]) : float32[] =
    let p = g.OH * g.OW
    let kk = g.C * g.KH * g.KW
    let dx = Array.zeroCreate (g.N * g.C * g.H * g.W)
    let cols = Array.zeroCreate (kk * p)
    for n in 0 .. g.N - 1 do
        Gemm.gemm true false kk p g.K (w, 0) (dy, n * g.K * p) (cols, 0) false
        col2im g cols n dx
    dx

/// dw [K,C,KH,KW] from x and dy.
let conv2dBackwardWeight (g: Conv2dGeometry) (x: float32[]) (dy: float32[]) : float32[] =
    let p = g.OH * g.OW
    let kk = g.C * g.KH * g.KW
    let dw = Array.zeroCreate (g.K * kk)
    let cols = Array.zeroCreate (kk * p)
    for n in 0 .. g.N - 1 do
        im2col g x n cols
        Gemm.gemm false true g.K kk p (dy, n * g.K * p) (cols, 0) (dw, 0) true
    dw

/// db [K]: dy summed over batch and positions.
let biasBackward (n: int) (k: int) (p: int) (dy: float32[]) : float32[] =
    let db = Array.zeroCreate k
    for i in 0 .. n - 1 do
        for c in 0 .. k - 1 do
            let off = (i * k + c) * p
            let mutable s = 0.0f
            for j in 0 .. p - 1 do s <- s + dy.[off + j]
            db.[c] <- db.[c] + s
    db
