/// 2-D max and average pooling kernels over NCHW float32 arrays (no padding, floor mode).
module FuncCnn.Kernels.Pool

open FuncCnn.Shape

/// y [N,C,OH,OW] and, for each output, the flat input index of its maximum (first one on ties).
let maxPool2dForward (g: Pool2dGeometry) (x: float32[]) : float32[] * int[] =
    let planes = g.N * g.C
    let y = Array.zeroCreate (planes * g.OH * g.OW)
    let arg = Array.zeroCreate y.Length
    for pl in 0 .. planes - 1 do
        for oh in 0 .. g.OH - 1 do
            for ow in 0 .. g.OW - 1 do
                let mutable best = System.Single.NegativeInfinity
                let mutable bi = -1
                for ki in 0 .. g.KH - 1 do
                    for kj in 0 .. g.KW - 1 do
                        let i = (pl * g.H + oh * g.SH + ki) * g.W + ow * g.SW + kj
                        let v = x.[i]
                        if bi < 0 || v > best || System.Single.IsNaN v then
                            best <- v
                            bi <- i
                let o = (pl * g.OH + oh) * g.OW + ow
                y.[o] <- best
                arg.[o] <- bi
    y, arg

/// dx: each output's gradient goes to the input that was its maximum.
let maxPool2dBackward (g: Pool2dGeometry) (arg: int[]) (dy: float32[]) : float32[] =
    let dx = Array.zeroCreate (g.N * g.C * g.H * g.W)
    for o in 0 .. dy.Length - 1 do
        dx.[arg.[o]] <- dx.[arg.[o]] + dy.[o]
    dx

let avgPool2dForward (g: Pool2dGeometry) (x: float32[]) : float32[] =
    let planes = g.N * g.C
    let y = Array.zeroCreate (planes * g.OH * g.OW)
    let scale = 1.0f / float32 (g.KH * g.KW)
    for pl in 0 .. planes - 1 do
        for oh in 0 .. g.OH - 1 do
            for ow in 0 .. g.OW - 1 do
                let mutable s = 0.0f
                for ki in 0 .. g.KH - 1 do
                    for kj in 0 .. g.KW - 1 do
                        s <- s + x.[(pl * g.H + oh * g.SH + ki) * g.W + ow * g.SW + kj]
                y.[(pl * g.OH + oh) * g.OW + ow] <- s * scale
    y

let avgPool2dBackward (g: Pool2dGeometry) (dy: float32[]) : float32[] =
    let planes = g.N * g.C
    let dx = Array.zeroCreate (planes * g.H * g.W)
    let scale = 1.0f / float32 (g.KH * g.KW)
    for pl in 0 .. planes - 1 do
        for oh in 0 .. g.OH - 1 do
            for ow in 0 .. g.OW - 1 do
                let d = dy.[(pl * g.OH + oh) * g.OW + ow] * scale
                for ki in 0 .. g.KH - 1 do
                    for kj in 0 .. g.KW - 1 do
                        let i = (pl * g.H + oh * g.SH + ki) * g.W + ow * g.SW + kj
                        dx.[i] <- dx.[i] + d
    dx
