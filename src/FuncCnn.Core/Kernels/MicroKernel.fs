/// The register-blocked GEMM micro-kernels: a 6-row tile of C held in registers while one packed
/// A strip and one packed B strip stream through, one FMA per accumulator per k step. Every path
/// (scalar, Vector256, Vector512) computes each C element as the same chain of fused multiply-adds
/// over k in the same order, so they agree bit for bit.
module FuncCnn.Core.Kernels.MicroKernel

open FuncCnn

open FuncCnn.Core
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

/// dst tile (6×16, row stride ld) (+)= A strip (kc×6 packed) · B strip (kc×16 packed), with
/// twelve Vector256 accumulators in registers for the whole k loop. Straight-line after the loop
/// (no calls) so the JIT keeps the accumulators in registers.
let private fullTile256 (kc: int) (pa: nativeptr<float32>) (pb: nativeptr<float32>) (dst: nativeptr<float32>) (ld: int) (accumulate: bool) =
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
    let mutable p = 0
    while p < kc do
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
        p <- p + 1
    if accumulate then
        let d00 = NativePtr.add dst (0 * ld)
        Vector256.Store(Vector256.Load d00 + c00, d00)
        let d01 = NativePtr.add dst (0 * ld + 8)
        Vector256.Store(Vector256.Load d01 + c01, d01)
        let d10 = NativePtr.add dst (1 * ld)
        Vector256.Store(Vector256.Load d10 + c10, d10)
        let d11 = NativePtr.add dst (1 * ld + 8)
        Vector256.Store(Vector256.Load d11 + c11, d11)
        let d20 = NativePtr.add dst (2 * ld)
        Vector256.Store(Vector256.Load d20 + c20, d20)
        let d21 = NativePtr.add dst (2 * ld + 8)
        Vector256.Store(Vector256.Load d21 + c21, d21)
        let d30 = NativePtr.add dst (3 * ld)
        Vector256.Store(Vector256.Load d30 + c30, d30)
        let d31 = NativePtr.add dst (3 * ld + 8)
        Vector256.Store(Vector256.Load d31 + c31, d31)
        let d40 = NativePtr.add dst (4 * ld)
        Vector256.Store(Vector256.Load d40 + c40, d40)
        let d41 = NativePtr.add dst (4 * ld + 8)
        Vector256.Store(Vector256.Load d41 + c41, d41)
        let d50 = NativePtr.add dst (5 * ld)
        Vector256.Store(Vector256.Load d50 + c50, d50)
        let d51 = NativePtr.add dst (5 * ld + 8)
        Vector256.Store(Vector256.Load d51 + c51, d51)
    else
        Vector256.Store(c00, NativePtr.add dst (0 * ld))
        Vector256.Store(c01, NativePtr.add dst (0 * ld + 8))
        Vector256.Store(c10, NativePtr.add dst (1 * ld))
        Vector256.Store(c11, NativePtr.add dst (1 * ld + 8))
        Vector256.Store(c20, NativePtr.add dst (2 * ld))
        Vector256.Store(c21, NativePtr.add dst (2 * ld + 8))
        Vector256.Store(c30, NativePtr.add dst (3 * ld))
        Vector256.Store(c31, NativePtr.add dst (3 * ld + 8))
        Vector256.Store(c40, NativePtr.add dst (4 * ld))
        Vector256.Store(c41, NativePtr.add dst (4 * ld + 8))
        Vector256.Store(c50, NativePtr.add dst (5 * ld))
        Vector256.Store(c51, NativePtr.add dst (5 * ld + 8))

/// C tile (rows×cols within 6×16, row stride ldc) (+)= A strip · B strip; edge tiles go
/// through a stack tile.
let tile256 (kc: int) (pa: nativeptr<float32>) (pb: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (rows: int) (cols: int) (accumulate: bool) =
    if rows = 6 && cols = 16 then fullTile256 kc pa pb c ldc accumulate
    else
        let t = NativePtr.stackalloc<float32> 96
        fullTile256 kc pa pb t 16 false
        mergeTile t 16 c ldc rows cols accumulate

/// dst tile (6×32, row stride ld) (+)= A strip · B strip (runs*runLength rows of 32, packed),
/// with twelve Vector512 accumulators in registers for the whole k loop. A's k steps come in
/// `runs` runs of `runLength`: row i of A at step p of a run is a[p*step + offset i], and each run
/// starts `jump` floats past where the last one stopped. A packed strip is one run (step 6, offset
/// i), a strided view read in place too; image taps are a run per output row. Straight-line after
/// the loop (no calls) so the JIT keeps the accumulators in registers.
let inline private tileLoop512 (runs: int) (runLength: int) (pa: nativeptr<float32>) (step: int) (jump: int) ([<InlineIfLambda>] offset: int -> int)
                               (pb: nativeptr<float32>) (dst: nativeptr<float32>) (ld: int) (accumulate: bool) =
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
    let mutable run = 0
    while run < runs do
        let mutable p = 0
        while p < runLength do
            let b0 = Vector512.Load b
            let b1 = Vector512.Load(NativePtr.add b 16)
            let a0 = Vector512.Create(NativePtr.get a (offset 0))
            c00 <- Vector512.FusedMultiplyAdd(a0, b0, c00)
            c01 <- Vector512.FusedMultiplyAdd(a0, b1, c01)
            let a1 = Vector512.Create(NativePtr.get a (offset 1))
            c10 <- Vector512.FusedMultiplyAdd(a1, b0, c10)
            c11 <- Vector512.FusedMultiplyAdd(a1, b1, c11)
            let a2 = Vector512.Create(NativePtr.get a (offset 2))
            c20 <- Vector512.FusedMultiplyAdd(a2, b0, c20)
            c21 <- Vector512.FusedMultiplyAdd(a2, b1, c21)
            let a3 = Vector512.Create(NativePtr.get a (offset 3))
            c30 <- Vector512.FusedMultiplyAdd(a3, b0, c30)
            c31 <- Vector512.FusedMultiplyAdd(a3, b1, c31)
            let a4 = Vector512.Create(NativePtr.get a (offset 4))
            c40 <- Vector512.FusedMultiplyAdd(a4, b0, c40)
            c41 <- Vector512.FusedMultiplyAdd(a4, b1, c41)
            let a5 = Vector512.Create(NativePtr.get a (offset 5))
            c50 <- Vector512.FusedMultiplyAdd(a5, b0, c50)
            c51 <- Vector512.FusedMultiplyAdd(a5, b1, c51)
            a <- NativePtr.add a step
            b <- NativePtr.add b 32
            p <- p + 1
        a <- NativePtr.add a jump
        run <- run + 1
    if accumulate then
        let d00 = NativePtr.add dst (0 * ld)
        Vector512.Store(Vector512.Load d00 + c00, d00)
        let d01 = NativePtr.add dst (0 * ld + 16)
        Vector512.Store(Vector512.Load d01 + c01, d01)
        let d10 = NativePtr.add dst (1 * ld)
        Vector512.Store(Vector512.Load d10 + c10, d10)
        let d11 = NativePtr.add dst (1 * ld + 16)
        Vector512.Store(Vector512.Load d11 + c11, d11)
        let d20 = NativePtr.add dst (2 * ld)
        Vector512.Store(Vector512.Load d20 + c20, d20)
        let d21 = NativePtr.add dst (2 * ld + 16)
        Vector512.Store(Vector512.Load d21 + c21, d21)
        let d30 = NativePtr.add dst (3 * ld)
        Vector512.Store(Vector512.Load d30 + c30, d30)
        let d31 = NativePtr.add dst (3 * ld + 16)
        Vector512.Store(Vector512.Load d31 + c31, d31)
        let d40 = NativePtr.add dst (4 * ld)
        Vector512.Store(Vector512.Load d40 + c40, d40)
        let d41 = NativePtr.add dst (4 * ld + 16)
        Vector512.Store(Vector512.Load d41 + c41, d41)
        let d50 = NativePtr.add dst (5 * ld)
        Vector512.Store(Vector512.Load d50 + c50, d50)
        let d51 = NativePtr.add dst (5 * ld + 16)
        Vector512.Store(Vector512.Load d51 + c51, d51)
    else
        Vector512.Store(c00, NativePtr.add dst (0 * ld))
        Vector512.Store(c01, NativePtr.add dst (0 * ld + 16))
        Vector512.Store(c10, NativePtr.add dst (1 * ld))
        Vector512.Store(c11, NativePtr.add dst (1 * ld + 16))
        Vector512.Store(c20, NativePtr.add dst (2 * ld))
        Vector512.Store(c21, NativePtr.add dst (2 * ld + 16))
        Vector512.Store(c30, NativePtr.add dst (3 * ld))
        Vector512.Store(c31, NativePtr.add dst (3 * ld + 16))
        Vector512.Store(c40, NativePtr.add dst (4 * ld))
        Vector512.Store(c41, NativePtr.add dst (4 * ld + 16))
        Vector512.Store(c50, NativePtr.add dst (5 * ld))
        Vector512.Store(c51, NativePtr.add dst (5 * ld + 16))

/// tileLoop512 on a packed A strip (kc×6).
let private fullTile512 (kc: int) (pa: nativeptr<float32>) (pb: nativeptr<float32>) (dst: nativeptr<float32>) (ld: int) (accumulate: bool) =
    tileLoop512 1 kc pa 6 0 (fun i -> i) pb dst ld accumulate

/// tileLoop512 reading six rows of A where they are: a(i, p) = a[i*ars + p*acs].
let private fullTile512Strided (kc: int) (a: nativeptr<float32>) (ars: int) (acs: int) (pb: nativeptr<float32>) (dst: nativeptr<float32>) (ld: int) (accumulate: bool) =
    tileLoop512 1 kc a acs 0 (fun i -> i * ars) pb dst ld accumulate

/// tileLoop512 with six rows of A read from an image: row i is the tap at image offset ti, its k
/// steps the output positions (see tile512Taps).
let private fullTile512Taps (t0: int) (t1: int) (t2: int) (t3: int) (t4: int) (t5: int) (image: nativeptr<float32>)
                            (runs: int) (runLength: int) (step: int) (jump: int)
                            (pb: nativeptr<float32>) (dst: nativeptr<float32>) (ld: int) (accumulate: bool) =
    let offset i = match i with 0 -> t0 | 1 -> t1 | 2 -> t2 | 3 -> t3 | 4 -> t4 | _ -> t5
    tileLoop512 runs runLength image step jump offset pb dst ld accumulate

/// mergeTile for a 6×32 stack tile on AVX-512: each row's two halves with masked loads and stores
/// (the same additions; an edge tile was a scalar loop of up to 192 elements).
let private mergeTile512 (t: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (rows: int) (cols: int) (accumulate: bool) =
    let low = Setup.tailMask cols
    let high = Setup.tailMask (cols - 16)
    for i in 0 .. rows - 1 do
        let ti = NativePtr.add t (i * 32)
        let ci = NativePtr.add c (i * ldc)
        let ci16 = NativePtr.add ci 16
        let t0 = Vector512.Load ti
        let t1 = Vector512.Load(NativePtr.add ti 16)
        if accumulate then
            X86.Avx512F.MaskStore(ci, low, X86.Avx512F.MaskLoad(ci, low, Vector512<float32>.Zero) + t0)
            if cols > 16 then X86.Avx512F.MaskStore(ci16, high, X86.Avx512F.MaskLoad(ci16, high, Vector512<float32>.Zero) + t1)
        else
            X86.Avx512F.MaskStore(ci, low, t0)
            if cols > 16 then X86.Avx512F.MaskStore(ci16, high, t1)

/// C tile (rows×cols within 6×32, row stride ldc) (+)= A strip · B strip; edge tiles go
/// through a stack tile.
let tile512 (kc: int) (pa: nativeptr<float32>) (pb: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (rows: int) (cols: int) (accumulate: bool) =
    if rows = 6 && cols = 32 then fullTile512 kc pa pb c ldc accumulate
    else
        let t = NativePtr.stackalloc<float32> 192
        fullTile512 kc pa pb t 32 false
        if X86.Avx512F.IsSupported then mergeTile512 t c ldc rows cols accumulate
        else mergeTile t 32 c ldc rows cols accumulate

/// tile512 for six whole rows of A read in place (a(i, p) = a[i*ars + p*acs]) instead of from a
/// packed strip: the same FMAs in the same order, without packing A.
let tile512Strided (kc: int) (a: nativeptr<float32>) (ars: int) (acs: int) (pb: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (cols: int) (accumulate: bool) =
    if cols = 32 then fullTile512Strided kc a ars acs pb c ldc accumulate
    else
        let t = NativePtr.stackalloc<float32> 192
        fullTile512Strided kc a ars acs pb t 32 false
        if X86.Avx512F.IsSupported then mergeTile512 t c ldc 6 cols accumulate
        else mergeTile t 32 c ldc 6 cols accumulate

/// tile512 with A's rows the filter taps of an image, read where they are: a(i, q) = image[taps[i]
/// + offset of output position q], for `rows` ≤ 6 taps. The positions are `runs` output rows of
/// `runLength`, `step` floats apart within a row, each row starting `jump` floats past the end of
/// the last one. The same FMAs in the same order as on the packed im2col matrix (AVX-512 only).
let tile512Taps (taps: nativeptr<int>) (rows: int) (image: nativeptr<float32>) (runs: int) (runLength: int) (step: int) (jump: int)
                (pb: nativeptr<float32>) (c: nativeptr<float32>) (ldc: int) (cols: int) (accumulate: bool) =
    // rows past the last tap repeat it: read, never stored
    let tap i = NativePtr.get taps (min i (rows - 1))
    let t0, t1, t2, t3, t4, t5 = tap 0, tap 1, tap 2, tap 3, tap 4, tap 5
    if rows = 6 && cols = 32 then fullTile512Taps t0 t1 t2 t3 t4 t5 image runs runLength step jump pb c ldc accumulate
    else
        let t = NativePtr.stackalloc<float32> 192
        fullTile512Taps t0 t1 t2 t3 t4 t5 image runs runLength step jump pb t 32 false
        mergeTile512 t c ldc rows cols accumulate

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
