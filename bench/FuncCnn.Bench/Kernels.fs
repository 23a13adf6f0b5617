/// `kernels`: GFLOP/s of the hot kernels on the seed CNN's shapes (median of 20 timed runs after
/// warm-up), optionally side by side with the naive loops they replaced, and one JSON line.
module FuncCnn.Bench.Kernels

open System
open System.Diagnostics
open FuncCnn.Core.Shape
open FuncCnn.Core.Kernels

/// The straightforward kernels the library started with, kept as the baseline.
module Naive =
    let gemm (transA: bool) (transB: bool) (m: int) (n: int) (k: int)
             (a: float32[], aOff: int) (b: float32[], bOff: int) (c: float32[], cOff: int) (accumulate: bool) =
        for i in 0 .. m - 1 do
            let cRow = cOff + i * n
            if not accumulate then Array.Clear(c, cRow, n)
            for p in 0 .. k - 1 do
                let av = if transA then a.[aOff + p * m + i] else a.[aOff + i * k + p]
                if av <> 0.0f then
                    if transB then
                        for j in 0 .. n - 1 do c.[cRow + j] <- c.[cRow + j] + av * b.[bOff + j * k + p]
                    else
                        let bRow = bOff + p * n
                        for j in 0 .. n - 1 do c.[cRow + j] <- c.[cRow + j] + av * b.[bRow + j]

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

    let conv2dForward (g: Conv2dGeometry) (x: float32[]) (w: float32[]) =
        let p = g.OH * g.OW
        let kk = g.C * g.KH * g.KW
        let y = Array.zeroCreate (g.N * g.K * p)
        let cols = Array.zeroCreate (kk * p)
        for n in 0 .. g.N - 1 do
            im2col g x n cols
            gemm false false g.K p kk (w, 0) (cols, 0) (y, n * g.K * p) false
        y

    let conv2dBackwardInput (g: Conv2dGeometry) (dy: float32[]) (w: float32[]) =
        let p = g.OH * g.OW
        let kk = g.C * g.KH * g.KW
        let dx = Array.zeroCreate (g.N * g.C * g.H * g.W)
        let cols = Array.zeroCreate (kk * p)
        for n in 0 .. g.N - 1 do
            gemm true false kk p g.K (w, 0) (dy, n * g.K * p) (cols, 0) false
            col2im g cols n dx
        dx

    let conv2dBackwardWeight (g: Conv2dGeometry) (x: float32[]) (dy: float32[]) =
        let p = g.OH * g.OW
        let kk = g.C * g.KH * g.KW
        let dw = Array.zeroCreate (g.K * kk)
        let cols = Array.zeroCreate (kk * p)
        for n in 0 .. g.N - 1 do
            im2col g x n cols
            gemm false true g.K kk p (dy, n * g.K * p) (cols, 0) (dw, 0) true
        dw

/// Median wall time in milliseconds of `runs` calls after at least `warmup` untimed ones and at least
/// `warmupMs` of untimed calls (so the JIT has moved the kernels to their final tier). (No CPU time:
/// the kernels' worker spins between loops without context switches, so the process CPU clock
/// credits its time only at scheduler ticks, and it counts the spinning too.)
let medianMs (warmup: int) (warmupMs: int64) (runs: int) (f: unit -> 'a) =
    let clock = Stopwatch.StartNew()
    let mutable calls = 0
    while calls < warmup || clock.ElapsedMilliseconds < warmupMs do
        f () |> ignore
        calls <- calls + 1
    let median (xs: float[]) =
        let xs = Array.sort xs
        if xs.Length % 2 = 1 then xs.[xs.Length / 2] else (xs.[xs.Length / 2 - 1] + xs.[xs.Length / 2]) / 2.0
    let samples =
        Array.init runs (fun _ ->
            let sw = Stopwatch.StartNew()
            f () |> ignore
            sw.Elapsed.TotalMilliseconds)
    median samples

/// What this machine can do at best, measured here: the FMA peak of an in-cache loop and the
/// streaming memory bandwidth, both on every core at once.
module Peak =
    open System.Runtime.Intrinsics
    open System.Threading.Tasks

    /// 12 independent FMA chains of Vector512 (or Vector256, or scalar) registers: no loads, no
    /// dependencies between chains, so it runs at the FMA units' throughput. Returns flops done.
    let private fmaLoop (iters: int) : float * float32 =
        let a = 0.9999999f
        let b = 1e-7f
        if Vector512.IsHardwareAccelerated then
            let va, vb = Vector512.Create a, Vector512.Create b
            let mutable c0 = Vector512.Create 1.0f
            let mutable c1 = c0
            let mutable c2 = c0
            let mutable c3 = c0
            let mutable c4 = c0
            let mutable c5 = c0
            let mutable c6 = c0
            let mutable c7 = c0
            let mutable c8 = c0
            let mutable c9 = c0
            let mutable c10 = c0
            let mutable c11 = c0
            for _ in 1 .. iters do
                c0 <- Vector512.FusedMultiplyAdd(c0, va, vb)
                c1 <- Vector512.FusedMultiplyAdd(c1, va, vb)
                c2 <- Vector512.FusedMultiplyAdd(c2, va, vb)
                c3 <- Vector512.FusedMultiplyAdd(c3, va, vb)
                c4 <- Vector512.FusedMultiplyAdd(c4, va, vb)
                c5 <- Vector512.FusedMultiplyAdd(c5, va, vb)
                c6 <- Vector512.FusedMultiplyAdd(c6, va, vb)
                c7 <- Vector512.FusedMultiplyAdd(c7, va, vb)
                c8 <- Vector512.FusedMultiplyAdd(c8, va, vb)
                c9 <- Vector512.FusedMultiplyAdd(c9, va, vb)
                c10 <- Vector512.FusedMultiplyAdd(c10, va, vb)
                c11 <- Vector512.FusedMultiplyAdd(c11, va, vb)
            let s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11
            float iters * 12.0 * 16.0 * 2.0, Vector512.Sum s
        elif Vector256.IsHardwareAccelerated then
            let va, vb = Vector256.Create a, Vector256.Create b
            let mutable c0 = Vector256.Create 1.0f
            let mutable c1 = c0
            let mutable c2 = c0
            let mutable c3 = c0
            let mutable c4 = c0
            let mutable c5 = c0
            let mutable c6 = c0
            let mutable c7 = c0
            let mutable c8 = c0
            let mutable c9 = c0
            let mutable c10 = c0
            let mutable c11 = c0
            for _ in 1 .. iters do
                c0 <- Vector256.FusedMultiplyAdd(c0, va, vb)
                c1 <- Vector256.FusedMultiplyAdd(c1, va, vb)
                c2 <- Vector256.FusedMultiplyAdd(c2, va, vb)
                c3 <- Vector256.FusedMultiplyAdd(c3, va, vb)
                c4 <- Vector256.FusedMultiplyAdd(c4, va, vb)
                c5 <- Vector256.FusedMultiplyAdd(c5, va, vb)
                c6 <- Vector256.FusedMultiplyAdd(c6, va, vb)
                c7 <- Vector256.FusedMultiplyAdd(c7, va, vb)
                c8 <- Vector256.FusedMultiplyAdd(c8, va, vb)
                c9 <- Vector256.FusedMultiplyAdd(c9, va, vb)
                c10 <- Vector256.FusedMultiplyAdd(c10, va, vb)
                c11 <- Vector256.FusedMultiplyAdd(c11, va, vb)
            let s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11
            float iters * 12.0 * 8.0 * 2.0, Vector256.Sum s
        else
            let mutable c0 = 1.0f
            let mutable c1 = 1.0f
            let mutable c2 = 1.0f
            let mutable c3 = 1.0f
            for _ in 1 .. iters do
                c0 <- MathF.FusedMultiplyAdd(c0, a, b)
                c1 <- MathF.FusedMultiplyAdd(c1, a, b)
                c2 <- MathF.FusedMultiplyAdd(c2, a, b)
                c3 <- MathF.FusedMultiplyAdd(c3, a, b)
            float iters * 4.0 * 2.0, c0 + c1 + c2 + c3

    /// Runs `work` on `threads` threads at once; best wall time of `runs` in ms and the total of
    /// what the threads report.
    let private together (threads: int) (runs: int) (work: int -> float) =
        let mutable best = Double.MaxValue
        let mutable amount = 0.0
        for _ in 1 .. runs do
            let results = Array.zeroCreate threads
            let sw = Stopwatch.StartNew()
            Parallel.For(0, threads, ParallelOptions(MaxDegreeOfParallelism = threads), (fun i -> results.[i] <- work i)) |> ignore
            let ms = sw.Elapsed.TotalMilliseconds
            if ms < best then
                best <- ms
                amount <- Array.sum results
        best, amount

    /// GFLOP/s of the in-cache FMA loop on `threads` threads (best of 7 runs of ~50 ms).
    let fmaGflops (threads: int) =
        fmaLoop 1000 |> ignore
        let ms, flops = together threads 7 (fun _ -> let f, s = fmaLoop 2_000_000 in (if Single.IsNaN s then 0.0 else f))
        flops / (ms * 1e6)

    /// GB/s of c = a + b over 64 MB arrays split across `threads` threads (best of 5; bytes
    /// counted: two reads and one write per element).
    let bandwidthGBs (threads: int) =
        let n = 16 * 1024 * 1024
        let a = Array.create n 1.0f
        let b = Array.create n 2.0f
        let c = Array.zeroCreate<float32> n
        let ms, bytes =
            together threads 5 (fun i ->
                let lo, hi = i * n / threads, (i + 1) * n / threads
                System.Numerics.Tensors.TensorPrimitives.Add(ReadOnlySpan(a, lo, hi - lo), ReadOnlySpan(b, lo, hi - lo), Span(c, lo, hi - lo))
                12.0 * float (hi - lo))
        bytes / (ms * 1e6)

let private randomArray (rng: Random) (len: int) = Array.init len (fun _ -> float32 (rng.NextDouble() * 2.0 - 1.0))

/// A kernel's work: floating-point operations (judged against the FMA peak) or bytes moved
/// (judged against the bandwidth).
type private Work =
    | Flops of float
    | Bytes of float

type private Row = { Name: string; Work: Work; Ms: float; NaiveMs: float option }

let private gflops (flops: float) (ms: float) = flops / (ms * 1e6)

let run (argv: string[]) =
    let withNaive = argv |> Array.contains "--naive"
    let runs = 20
    let rng = Random 42
    let conv2 = conv2d [| 128; 32; 13; 13 |] [| 64; 32; 3; 3 |] (1, 1) Padding2d.zero
    let conv1 = conv2d [| 128; 1; 28; 28 |] [| 32; 1; 3; 3 |] (1, 1) Padding2d.zero
    let convFlops (g: Conv2dGeometry) = 2.0 * float g.N * float g.K * float (g.OH * g.OW) * float (g.C * g.KH * g.KW)
    let x2 = randomArray rng (128 * 32 * 13 * 13)
    let w2 = randomArray rng (64 * 32 * 9)
    let b2 = randomArray rng 64
    let dy2 = randomArray rng (128 * 64 * 11 * 11)
    let x1 = randomArray rng (128 * 28 * 28)
    let w1 = randomArray rng (32 * 9)
    let dy1 = randomArray rng (128 * 32 * 26 * 26)
    let a = randomArray rng (128 * 1600)
    let b = randomArray rng (1600 * 64)
    let c = Array.zeroCreate (128 * 64)
    let da = randomArray rng (128 * 64)
    let dwDense = Array.zeroCreate (1600 * 64)
    let dxDense = Array.zeroCreate (128 * 1600)
    let pool1 = pool2d "maxpool" [| 128; 32; 26; 26 |] (2, 2) (2, 2)
    let pool2 = pool2d "maxpool" [| 128; 64; 11; 11 |] (2, 2) (2, 2)
    let p1in = randomArray rng (128 * 32 * 26 * 26)
    let _, p1arg = Pool.maxPool2dForward pool1 p1in
    let p1dy = randomArray rng (128 * 32 * 13 * 13)
    let naiveRuns = 3
    let threads = Environment.ProcessorCount
    let ws = Setup.Workspace()
    let peak1 = Peak.fmaGflops 1
    let peak = Peak.fmaGflops threads
    let bandwidth = Peak.bandwidthGBs threads
    printfn "kernels: %d cores, SIMD path %A, median of %d runs; load average %s" threads (Setup.simdPath ()) runs
        (try (IO.File.ReadAllText "/proc/loadavg").Trim() with _ -> "?")
    printfn "measured peak: in-cache FMA loop %.1f GFLOP/s on 1 core, %.1f on %d; memory bandwidth (c = a + b, 64 MB arrays) %.1f GB/s" peak1 peak threads bandwidth
    let row name (work: Work) (fast: unit -> 'a) (naive: (unit -> 'b) option) =
        // as in a training step: outputs come from a workspace that is released after each call
        let ms = medianMs 5 1500L runs (fun () -> let r = Setup.inWorkspace ws fast in ws.Release(); r)
        let naiveMs = if withNaive then naive |> Option.map (fun f -> medianMs 1 0L naiveRuns f) else None
        let r = { Name = name; Work = work; Ms = ms; NaiveMs = naiveMs }
        let line =
            match work with
            | Flops flops -> sprintf "%-34s %8.3f ms %7.1f GFLOP/s %5.1f%% of peak" name ms (gflops flops ms) (100.0 * gflops flops ms / peak)
            | Bytes bytes -> sprintf "%-34s %8.3f ms %7.1f GB/s    %5.1f%% of bandwidth" name ms (bytes / (ms * 1e6)) (100.0 * bytes / (ms * 1e6) / bandwidth)
        match naiveMs, work with
        | Some nm, Flops flops -> printfn "%s | naive %8.2f ms %6.2f GFLOP/s (x%.0f)" line nm (gflops flops nm) (nm / ms)
        | _ -> printfn "%s" line
        r
    let rows =
        [ row "conv2 forward (128,32->64,13x13)" (Flops (convFlops conv2)) (fun () -> Conv.conv2dForward conv2 x2 w2 (Some b2)) (Some (fun () -> Naive.conv2dForward conv2 x2 w2))
          row "conv2 backward input" (Flops (convFlops conv2)) (fun () -> Conv.conv2dBackwardInput conv2 dy2 w2) (Some (fun () -> Naive.conv2dBackwardInput conv2 dy2 w2))
          row "conv2 backward weight" (Flops (convFlops conv2)) (fun () -> Conv.conv2dBackwardWeight conv2 x2 dy2) (Some (fun () -> Naive.conv2dBackwardWeight conv2 x2 dy2))
          row "matmul 128x1600 * 1600x64" (Flops (2.0 * 128.0 * 1600.0 * 64.0)) (fun () -> Gemm.gemm false false 128 64 1600 (a, 0) (b, 0) (c, 0) false) (Some (fun () -> Naive.gemm false false 128 64 1600 (a, 0) (b, 0) (c, 0) false))
          row "matmul dW 1600x128 * 128x64 (tA)" (Flops (2.0 * 128.0 * 1600.0 * 64.0)) (fun () -> Gemm.gemm true false 1600 64 128 (a, 0) (da, 0) (dwDense, 0) false) (Some (fun () -> Naive.gemm true false 1600 64 128 (a, 0) (da, 0) (dwDense, 0) false))
          row "matmul dX 128x64 * 64x1600 (tB)" (Flops (2.0 * 128.0 * 1600.0 * 64.0)) (fun () -> Gemm.gemm false true 128 1600 64 (da, 0) (b, 0) (dxDense, 0) false) (Some (fun () -> Naive.gemm false true 128 1600 64 (da, 0) (b, 0) (dxDense, 0) false))
          row "conv1 forward (128,1->32,28x28)" (Flops (convFlops conv1)) (fun () -> Conv.conv2dForward conv1 x1 w1 None) (Some (fun () -> Naive.conv2dForward conv1 x1 w1))
          row "conv1 backward weight" (Flops (convFlops conv1)) (fun () -> Conv.conv2dBackwardWeight conv1 x1 dy1) (Some (fun () -> Naive.conv2dBackwardWeight conv1 x1 dy1))
          row "conv2 bias backward" (Bytes (4.0 * float dy2.Length)) (fun () -> Conv.biasBackward 128 64 121 dy2) None
          row "conv1 bias backward" (Bytes (4.0 * float dy1.Length)) (fun () -> Conv.biasBackward 128 32 676 dy1) None
          // reads x, writes y and the argmax
          row "maxpool1 forward (26->13)" (Bytes (4.0 * float p1in.Length + 8.0 * float p1dy.Length)) (fun () -> Pool.maxPool2dForward pool1 p1in) None
          // reads dy and the argmax, writes dx
          row "maxpool1 backward" (Bytes (4.0 * float p1in.Length + 8.0 * float p1dy.Length)) (fun () -> Pool.maxPool2dBackward pool1 p1arg p1dy) None
          // conv1 then maxpool1, each image pooled while in cache (the step's forward for its first layer)
          row "conv1 + maxpool1 forward, fused" (Flops (convFlops conv1)) (fun () -> ConvPool.forward conv1 pool1 x1 w1 None true false) None
          // a first layer's weight and bias gradients straight from the pooled gradient: reads x, dy and the argmax
          row "conv1 dW+db through maxpool1" (Bytes (4.0 * float x1.Length + 8.0 * float p1dy.Length)) (fun () -> ConvPool.weightAndBias conv1 pool1 x1 p1arg p1dy null true) None
          row "maxpool2 forward (11->5)" (Bytes (4.0 * float dy2.Length + 8.0 * float (128 * 64 * 25))) (fun () -> Pool.maxPool2dForward pool2 dy2) None
          // the step applies the ReLU after the pooling (Model.apply), so its gradient runs on the pooled output
          row "relu1 backward (pool1 output)" (Bytes (12.0 * float p1dy.Length)) (fun () -> Elementwise.reluBackward p1dy p1dy) None ]
    // The step runs either the fused first layer (ConvPool) or the separate kernels it replaces, not both.
    let fused = set [ "conv1 + maxpool1 forward, fused"; "conv1 dW+db through maxpool1" ]
    let separate = set [ "conv1 forward (128,1->32,28x28)"; "maxpool1 forward (26->13)"; "conv1 backward weight"; "conv1 bias backward"; "maxpool1 backward"; "relu1 backward (pool1 output)" ]
    let notInStep = if ConvPool.backwardApplies conv1 pool1 then separate else fused
    let total = rows |> List.filter (fun r -> not (notInStep.Contains r.Name)) |> List.sumBy (fun r -> r.Ms)
    printfn "sum of the rows above that a seed training step runs (about its kernel part; not: %s): %.2f ms" (String.Join(", ", notInStep)) total
    let find i = rows.[i]
    let flopsOf (r: Row) = match r.Work with Flops f -> f | Bytes _ -> nan
    let json (r: Row) = sprintf "{\"ms\":%.4f,\"gflops\":%.2f,\"share_of_peak\":%.3f%s}" r.Ms (gflops (flopsOf r) r.Ms) (gflops (flopsOf r) r.Ms / peak) (match r.NaiveMs with Some nm -> sprintf ",\"naive_gflops\":%.3f" (gflops (flopsOf r) nm) | None -> "")
    printfn "{\"bench\":\"kernels\",\"cores\":%d,\"simd\":\"%A\",\"peak_gflops\":%.1f,\"bandwidth_gbs\":%.1f,\"conv2d_forward\":%s,\"conv2d_backward_input\":%s,\"conv2d_backward_weight\":%s,\"matmul_128x1600x64\":%s,\"kernels_total_ms\":%.3f}"
        Environment.ProcessorCount (Setup.simdPath ()) peak bandwidth (json (find 0)) (json (find 1)) (json (find 2)) (json (find 3)) total
    0
