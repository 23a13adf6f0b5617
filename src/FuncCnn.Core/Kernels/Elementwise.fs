/// Elementwise kernels that TensorPrimitives does not offer directly.
module FuncCnn.Core.Kernels.Elementwise

open FuncCnn

open FuncCnn.Core
open System
open System.Runtime.Intrinsics

/// dx = dy where x > 0, else 0 (the ReLU gradient), into dx (which may be longer), vectorized and
/// split over the cores.
let reluBackwardInto (x: float32[]) (dy: float32[]) (dx: float32[]) =
    Setup.parallelChunks x.Length (fun start count ->
        let stop = start + count
        let mutable i = start
        if Vector256.IsHardwareAccelerated then
            let xs = ReadOnlySpan x
            let gs = ReadOnlySpan dy
            let ds = Span dx
            while i + Vector256<float32>.Count <= stop do
                let xv = Vector256.Create<float32>(xs.Slice(i, Vector256<float32>.Count))
                let gv = Vector256.Create<float32>(gs.Slice(i, Vector256<float32>.Count))
                let r = Vector256.ConditionalSelect(Vector256.GreaterThan(xv, Vector256<float32>.Zero), gv, Vector256<float32>.Zero)
                r.CopyTo(ds.Slice(i, Vector256<float32>.Count))
                i <- i + Vector256<float32>.Count
        while i < stop do
            dx.[i] <- if x.[i] > 0.0f then dy.[i] else 0.0f
            i <- i + 1)

/// y = max(x, 0) (TensorPrimitives.Max), split over the cores.
let reluInto (x: float32[]) (y: float32[]) =
    Setup.parallelChunks x.Length (fun start count ->
        Numerics.Tensors.TensorPrimitives.Max(ReadOnlySpan(x, start, count), 0.0f, Span(y, start, count)))

/// dx = dy where x > 0, else 0 (the ReLU gradient), as a new array.
let reluBackward (x: float32[]) (dy: float32[]) : float32[] =
    let dx = Setup.uninitialized x.Length
    reluBackwardInto x dy dx
    dx
