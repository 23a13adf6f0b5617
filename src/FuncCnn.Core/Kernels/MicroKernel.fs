/// The register-blocked GEMM micro-kernels: a 6-row tile of C held in registers while one packed
/// A strip and one packed B strip stream through, one FMA per accumulator per k step. Every path
/// (scalar, Vector256, Vector512) computes each C element as the same chain of fused multiply-adds
/// over k in the same order, so they agree bit for bit.
module FuncCnn.Kernels.MicroKernel

#nowarn "9" // native pointers into pinned arrays

open System
open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop


/// Copies a rows×cols corner of a stack tile into C, adding to C when accumulating.
let mergeTile (t: nativeptr<float32>) (ldt: int) (c: nativeptr<float32>) (ldc: int) (rows: int) (cols: int) (accumulate: bool) =
    for i in 0 .. rows - 1 do
        let ti = NativePtr.add t (i * ldt)
        let ci = NativePtr.add c (i * ldc)
        for j in 0 .. cols - 1 do
            NativePtr.set ci j (if accumulate then NativePtr.get ci j + NativePtr.get ti j else NativePtr.get ti j)

let inline private put256 (accumulate: bool) (dst: nativeptr<float32>) (v: Vector256<float32>) =
    if accumulate then Vector256.Store(Vector256.Load dst + v, dst) else Vector256.Store(v, dst)

let inline private put512 (accumulate: bool) (dst: nativeptr<float32>) (v: Vector512<float32>) =
    if accumulate then Vector512.Store(Vector512.Load dst + v, dst) else Vector512.Store(v, dst)

/// C tile (rows×cols within 6×16, row stride ldc) (+)= A strip (kc×6 packed) · B strip (kc×16 packed),
/// twelve Vector256 accumulators held in registers for the whole k loop.
let tile256 (kc: int) (pa: nativeptr<float32>) (pb: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (rows: int) (cols: int) (accumulate: bool) =
    let mutable c00 = Vector256<float32>.Zero
    let mutable c01 = Vector256<float32>.Zero
    let mutable c10 = Vector256<float32>.Zero
    let mutable c11 = Vector256<float32>.Zero
    let mutable c20 = Vector256<float32>.Zero
    let mutable c21 = Vector256<float32>.Zero
    let mutable c30 = Vector256<float32>.Zero
    let mutable c31 = Vector256<float32>.Zero
    let mutable c40 = Vector256<float32>.Zero
    let mutable c41 = Vector256<float32>.Zero
    let mutable c50 = Vector256<float32>.Zero
    let mutable c51 = Vector256<float32>.Zero
    let mutable a = pa
    let mutable b = pb
    for _ in 1 .. kc do
        let b0 = Vector256.Load b
        let b1 = Vector256.Load(NativePtr.add b 8)
        let a0 = Vector256.Create(NativePtr.get a 0)
        c00 <- Vector256.FusedMultiplyAdd(a0, b0, c00)
        c01 <- Vector256.FusedMultiplyAdd(a0, b1, c01)
        let a1 = Vector256.Create(NativePtr.get a 1)
        c10 <- Vector256.FusedMultiplyAdd(a1, b0, c10)
        c11 <- Vector256.FusedMultiplyAdd(a1, b1, c11)
        let a2 = Vector256.Create(NativePtr.get a 2)
        c20 <- Vector256.FusedMultiplyAdd(a2, b0, c20)
        c21 <- Vector256.FusedMultiplyAdd(a2, b1, c21)
        let a3 = Vector256.Create(NativePtr.get a 3)
        c30 <- Vector256.FusedMultiplyAdd(a3, b0, c30)
        c31 <- Vector256.FusedMultiplyAdd(a3, b1, c31)
        let a4 = Vector256.Create(NativePtr.get a 4)
        c40 <- Vector256.FusedMultiplyAdd(a4, b0, c40)
        c41 <- Vector256.FusedMultiplyAdd(a4, b1, c41)
        let a5 = Vector256.Create(NativePtr.get a 5)
        c50 <- Vector256.FusedMultiplyAdd(a5, b0, c50)
        c51 <- Vector256.FusedMultiplyAdd(a5, b1, c51)
        a <- NativePtr.add a 6
        b <- NativePtr.add b 16
    let full = rows = 6 && cols = 16
    // Edge tiles go through a stack tile so the register code stays branch-free.
    let t = if full then c else NativePtr.stackalloc<float32> 96
    let ld = if full then ldc else 16
    let acc = full && accumulate
    put256 acc (NativePtr.add t (0 * ld)) c00
    put256 acc (NativePtr.add t (0 * ld + 8)) c01
    put256 acc (NativePtr.add t (1 * ld)) c10
    put256 acc (NativePtr.add t (1 * ld + 8)) c11
    put256 acc (NativePtr.add t (2 * ld)) c20
    put256 acc (NativePtr.add t (2 * ld + 8)) c21
    put256 acc (NativePtr.add t (3 * ld)) c30
    put256 acc (NativePtr.add t (3 * ld + 8)) c31
    put256 acc (NativePtr.add t (4 * ld)) c40
    put256 acc (NativePtr.add t (4 * ld + 8)) c41
    put256 acc (NativePtr.add t (5 * ld)) c50
    put256 acc (NativePtr.add t (5 * ld + 8)) c51
    if not full then mergeTile t 16 c ldc rows cols accumulate

/// C tile (rows×cols within 6×32, row stride ldc) (+)= A strip (kc×6 packed) · B strip (kc×32 packed),
/// twelve Vector512 accumulators held in registers for the whole k loop.
let tile512 (kc: int) (pa: nativeptr<float32>) (pb: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (rows: int) (cols: int) (accumulate: bool) =
    let mutable c00 = Vector512<float32>.Zero
    let mutable c01 = Vector512<float32>.Zero
    let mutable c10 = Vector512<float32>.Zero
    let mutable c11 = Vector512<float32>.Zero
    let mutable c20 = Vector512<float32>.Zero
    let mutable c21 = Vector512<float32>.Zero
    let mutable c30 = Vector512<float32>.Zero
    let mutable c31 = Vector512<float32>.Zero
    let mutable c40 = Vector512<float32>.Zero
    let mutable c41 = Vector512<float32>.Zero
    let mutable c50 = Vector512<float32>.Zero
    let mutable c51 = Vector512<float32>.Zero
    let mutable a = pa
    let mutable b = pb
    for _ in 1 .. kc do
        let b0 = Vector512.Load b
        let b1 = Vector512.Load(NativePtr.add b 16)
        let a0 = Vector512.Create(NativePtr.get a 0)
        c00 <- Vector512.FusedMultiplyAdd(a0, b0, c00)
        c01 <- Vector512.FusedMultiplyAdd(a0, b1, c01)
        let a1 = Vector512.Create(NativePtr.get a 1)
        c10 <- Vector512.FusedMultiplyAdd(a1, b0, c10)
        c11 <- Vector512.FusedMultiplyAdd(a1, b1, c11)
        let a2 = Vector512.Create(NativePtr.get a 2)
        c20 <- Vector512.FusedMultiplyAdd(a2, b0, c20)
        c21 <- Vector512.FusedMultiplyAdd(a2, b1, c21)
        let a3 = Vector512.Create(NativePtr.get a 3)
        c30 <- Vector512.FusedMultiplyAdd(a3, b0, c30)
        c31 <- Vector512.FusedMultiplyAdd(a3, b1, c31)
        let a4 = Vector512.Create(NativePtr.get a 4)
        c40 <- Vector512.FusedMultiplyAdd(a4, b0, c40)
        c41 <- Vector512.FusedMultiplyAdd(a4, b1, c41)
        let a5 = Vector512.Create(NativePtr.get a 5)
        c50 <- Vector512.FusedMultiplyAdd(a5, b0, c50)
        c51 <- Vector512.FusedMultiplyAdd(a5, b1, c51)
        a <- NativePtr.add a 6
        b <- NativePtr.add b 32
    let full = rows = 6 && cols = 32
    // Edge tiles go through a stack tile so the register code stays branch-free.
    let t = if full then c else NativePtr.stackalloc<float32> 192
    let ld = if full then ldc else 32
    let acc = full && accumulate
    put512 acc (NativePtr.add t (0 * ld)) c00
    put512 acc (NativePtr.add t (0 * ld + 16)) c01
    put512 acc (NativePtr.add t (1 * ld)) c10
    put512 acc (NativePtr.add t (1 * ld + 16)) c11
    put512 acc (NativePtr.add t (2 * ld)) c20
    put512 acc (NativePtr.add t (2 * ld + 16)) c21
    put512 acc (NativePtr.add t (3 * ld)) c30
    put512 acc (NativePtr.add t (3 * ld + 16)) c31
    put512 acc (NativePtr.add t (4 * ld)) c40
    put512 acc (NativePtr.add t (4 * ld + 16)) c41
    put512 acc (NativePtr.add t (5 * ld)) c50
    put512 acc (NativePtr.add t (5 * ld + 16)) c51
    if not full then mergeTile t 32 c ldc rows cols accumulate

/// The portable fallback with the Vector256 tile shape (6×16) and the same FMA order.
let tileScalar (kc: int) (pa: nativeptr<float32>) (pb: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (rows: int) (cols: int) (accumulate: bool) =
    let t = NativePtr.stackalloc<float32> 96
    for i in 0 .. 95 do NativePtr.set t i 0.0f
    for p in 0 .. kc - 1 do
        let ap = NativePtr.add pa (p * 6)
        let bp = NativePtr.add pb (p * 16)
        for i in 0 .. 5 do
            let ai = NativePtr.get ap i
            let ti = NativePtr.add t (i * 16)
            for j in 0 .. 15 do
                NativePtr.set ti j (MathF.FusedMultiplyAdd(ai, NativePtr.get bp j, NativePtr.get ti j))
    mergeTile t 16 c ldc rows cols accumulate
